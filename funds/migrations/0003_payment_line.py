"""Payments carry their commitment's line, so paid totals read one index (see Payment.line)."""

import django.db.models.deletion
from django.db import migrations, models


def copy_lines(apps, schema_editor):
    Payment = apps.get_model("funds", "Payment")
    Commitment = apps.get_model("funds", "Commitment")
    if schema_editor.connection.vendor == "postgresql":
        # Check the new foreign keys now, not at COMMIT, or the ALTER below meets pending trigger events.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    Payment.objects.update(
        line_id=models.Subquery(
            Commitment.objects.filter(pk=models.OuterRef("commitment_id")).values("line_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("funds", "0002_decision_public_description"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalpayment",
            name="line",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="funds.budgetline",
            ),
        ),
        migrations.AddField(
            model_name="payment",
            name="line",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="payments",
                to="funds.budgetline",
            ),
        ),
        migrations.RunPython(copy_lines, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="payment",
            name="line",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="payments",
                to="funds.budgetline",
            ),
        ),
    ]
