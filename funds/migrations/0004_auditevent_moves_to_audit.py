"""The audit trail moves to the audit app with its rows: the table is renamed, and funds' state lets go of the model.

audit.0001 takes the model into its own state; nothing is copied, so no row is lost."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("funds", "0003_payment_line"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RenameIndex(
                    model_name="auditevent",
                    old_name="funds_audit_content_d6c213_idx",
                    new_name="audit_subject_idx",
                ),
                migrations.AlterModelTable(name="auditevent", table="audit_auditevent"),
            ],
            state_operations=[migrations.DeleteModel(name="AuditEvent")],
        ),
    ]
