"""Migration operations shared by the apps."""

from django.db import migrations


def run_sql_on_postgresql(sql: str, reverse_sql: str) -> migrations.RunPython:
    """SQL that only PostgreSQL runs, such as an index SQLite cannot build (it refuses NULLS FIRST/LAST in an index).

    Such indexes stay out of the models' Meta on purpose: SQLite rebuilds a table from the model state whenever a
    migration alters it, and would try to build them again. Production and the tests run on PostgreSQL, where the
    index keeps a page fast at scale; the embedded SQLite default runs without it.
    """

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(reverse_sql)

    return migrations.RunPython(forwards, backwards)
