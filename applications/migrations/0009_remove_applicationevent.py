"""ApplicationEvent's rows are audit events now (audit.0002), so its table goes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0008_status_email"),
        ("audit", "0002_merge_status_and_history_trails"),
    ]

    operations = [
        migrations.DeleteModel(name="ApplicationEvent"),
    ]
