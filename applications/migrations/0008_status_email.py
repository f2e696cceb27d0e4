"""Whether the applicant's email about a status change has gone, keyed by the change's audit event.

ApplicationEvent.notified_at held this; status changes now live in the audit trail, whose rows are never updated.
audit.0002 fills this table from notified_at before applications.0009 drops ApplicationEvent."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0007_reference_counter"),
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="StatusEmail",
            fields=[
                (
                    "event",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="audit.auditevent",
                    ),
                ),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
            ],
        ),
    ]
