"""ReturnTransition's rows are audit events now (audit.0002), so its table goes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0001_initial"),
        ("audit", "0002_merge_status_and_history_trails"),
    ]

    operations = [
        migrations.DeleteModel(name="ReturnTransition"),
    ]
