"""django-simple-history's snapshots are audit events now (audit.0002), so its tables go, and the package with them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("funds", "0004_auditevent_moves_to_audit"),
        ("audit", "0002_merge_status_and_history_trails"),
    ]

    operations = [
        migrations.DeleteModel(name="HistoricalDecision_budgets"),
        migrations.DeleteModel(name="HistoricalDecision_lines"),
        migrations.DeleteModel(name="HistoricalBudget"),
        migrations.DeleteModel(name="HistoricalBudgetEntry"),
        migrations.DeleteModel(name="HistoricalBudgetLine"),
        migrations.DeleteModel(name="HistoricalCommitment"),
        migrations.DeleteModel(name="HistoricalDecision"),
        migrations.DeleteModel(name="HistoricalPayment"),
    ]
