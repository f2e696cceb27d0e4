"""An index for the public grants pages (transparency.selectors), PostgreSQL only, like migrations 0005 and 0012.

The public list is ordered by financial year, then reference, and counted by round and area. This index holds each
application's round, reference, area and id, so both the count (joined to the published awards) and a page's ids
(one year's rounds, in reference order) are read from index entries alone, never from the wide application rows.
"""

from django.db import migrations

from core.migration_operations import run_sql_on_postgresql


class Migration(migrations.Migration):
    dependencies = [("applications", "0012_staff_list_sort_indexes")]

    operations = [
        run_sql_on_postgresql(
            "CREATE INDEX application_public_order_idx "
            "ON applications_application (round_id, reference) INCLUDE (area_id, id)",
            "DROP INDEX application_public_order_idx",
        )
    ]
