"""A round's forms as versions: the live questions are edited freely in admin; what an application or a report is
answered on is the frozen version current when it started."""

from django.db import transaction

from .. import questions
from ..models import FormPurpose, FormVersion, Round


def live_definition(round_: Round, purpose: str) -> dict:
    """The round's form as its Section and Question rows say now."""
    sections = list(round_.sections.filter(purpose=purpose))
    return questions.definition(sections, round_.questions.filter(section__in=sections))


@transaction.atomic
def current_form_version(*, round_id: int, purpose: str = FormPurpose.APPLICATION) -> FormVersion:
    """The version to start an application (or report) on: the latest, or a new one if the form has been edited
    since. The round's row is locked so two applicants starting at once make one new version, not two."""
    round_ = Round.objects.select_for_update().get(pk=round_id)
    live = live_definition(round_, purpose)
    latest = FormVersion.objects.filter(round=round_, purpose=purpose).order_by("-number").first()
    if latest is not None and latest.definition == live:
        return latest
    return FormVersion.objects.create(
        round=round_, purpose=purpose, number=(latest.number + 1 if latest else 1), definition=live
    )


def version_in_use(round_: Round, purpose: str = FormPurpose.APPLICATION) -> FormVersion | None:
    """The latest version something has been answered on: editing the form now makes the next one."""
    return (
        FormVersion.objects.filter(round=round_, purpose=purpose)
        .filter(applications__isnull=False)
        .order_by("-number")
        .first()
        if purpose == FormPurpose.APPLICATION
        else FormVersion.objects.filter(round=round_, purpose=purpose, grant_reports__isnull=False)
        .order_by("-number")
        .first()
    )
