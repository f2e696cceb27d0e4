"""An index for the commissioning dashboard (providers.views.staff.dashboard), PostgreSQL only: a year's returns,
period by period, with what the summary counts (status, late) and what the list joins on (the service).

With it the summary and the list read only the chosen year's index entries, never every return of every year, so
the page stays the same as the years of returns pile up.
"""

from django.db import migrations

from core.migration_operations import run_sql_on_postgresql


class Migration(migrations.Migration):
    dependencies = [("providers", "0003_fund_service_permission")]

    operations = [
        run_sql_on_postgresql(
            "CREATE INDEX return_period_dashboard_idx ON providers_monitoringreturn (period_id, id) "
            "INCLUDE (status, late, service_id)",
            "DROP INDEX return_period_dashboard_idx",
        ),
    ]
