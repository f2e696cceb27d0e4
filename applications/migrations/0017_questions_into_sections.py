# The data step on its own: PostgreSQL cannot alter or index a table (0016's deferred indexes, 0018's NOT NULL) in a
# transaction that has already updated its rows.
from django.db import migrations


def questions_into_sections(apps, schema_editor):
    """Each round's free-text questions become one section of its form, and every application already started is
    given version 1 of that form, so it keeps exactly the questions it was answered on."""
    from applications.questions import definition

    Round = apps.get_model("applications", "Round")
    Section = apps.get_model("applications", "Section")
    Question = apps.get_model("applications", "Question")
    FormVersion = apps.get_model("applications", "FormVersion")
    Application = apps.get_model("applications", "Application")
    for round_ in Round.objects.all():
        questions = list(Question.objects.filter(round=round_))
        sections = []
        if questions:
            section = Section.objects.create(
                round=round_, purpose="application", order=0, title="Questions about your project"
            )
            Question.objects.filter(round=round_).update(section=section)
            for q in questions:
                q.section_id = section.pk
            sections = [section]
        started = Application.objects.filter(round=round_)
        if not started.exists():
            continue
        version = FormVersion.objects.create(
            round=round_, purpose="application", number=1, definition=definition(sections, questions)
        )
        started.update(form_version=version)
        if sections:
            # Their answers were given on "Your project", so the new task is done wherever that one was.
            key = f"s{sections[0].pk}"
            for application in started.filter(status="draft"):
                if "project" in application.completed_tasks:
                    done = list(application.completed_tasks)
                    done.insert(done.index("project") + 1, key)
                    application.completed_tasks = done
                    application.save(update_fields=["completed_tasks"])


class Migration(migrations.Migration):
    dependencies = [("applications", "0016_typed_forms_and_grant_reports")]

    operations = [migrations.RunPython(questions_into_sections, migrations.RunPython.noop)]
