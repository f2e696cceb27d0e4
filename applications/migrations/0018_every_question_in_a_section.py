# A separate migration from 0017's data step: PostgreSQL cannot alter a table with updates still pending in the
# same transaction.
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("applications", "0017_questions_into_sections")]

    operations = [
        migrations.AlterField(
            model_name="question",
            name="section",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="questions",
                to="applications.section",
            ),
        ),
    ]
