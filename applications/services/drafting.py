"""The applicant's side: starting, saving, submitting exactly once, withdrawing and answering staff questions."""

from django.db import transaction
from django.utils import timezone

from core.money import format_pounds

from ..models import Application, Document, InformationRequest, Membership, Round, Status
from ..models.applications import TASKS
from ..workflow import Role, TransitionNotAllowed, move
from .references import reference_stem, reserve_reference

REQUIRED_DOCUMENTS = [
    Document.Kind.GOVERNING_DOCUMENT,
    Document.Kind.SAFEGUARDING_POLICY,
    Document.Kind.ACCOUNTS,
]


class RoundClosed(Exception):
    def __init__(self, round_: Round):
        self.round = round_
        super().__init__(f"{round_} closed")


class AlreadySubmitted(Exception):
    """The application has already left draft: a second click, a second tab, or a late save."""


class IncompleteApplication(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def start_application(*, round_: Round, organisation, by) -> Application:
    if not round_.is_open():
        raise RoundClosed(round_)
    if not Membership.objects.filter(organisation=organisation, user=by).exists():
        raise PermissionError("You are not a member of that organisation.")
    existing = Application.objects.filter(
        round=round_, organisation=organisation, status=Status.DRAFT
    ).first()
    if existing:
        return existing
    return Application.objects.create(
        round=round_, organisation=organisation, created_by=by, contact_name=by.full_name
    )


@transaction.atomic
def save_task(*, application_id: int, task: str, form, raw: dict, complete: bool, by) -> Application:
    """Write what is valid on a task page and keep every character typed, valid or not.

    `complete` (Save and continue with a valid form) marks the task done; anything else leaves it incomplete and
    keeps the raw input so the page shows it again exactly as typed.
    """
    application = Application.objects.select_for_update().get(pk=application_id)
    if application.status != Status.DRAFT:
        raise AlreadySubmitted()
    form.apply(application, by=by)
    # A NUL cannot be typed, and PostgreSQL refuses it in JSON: keep everything else exactly as sent.
    raw = {name: str(value).replace("\x00", "") for name, value in raw.items()}
    completed = [t for t in application.completed_tasks if t != task]
    drafts = {k: v for k, v in application.drafts.items() if k != task}
    if complete:
        completed.append(task)
    elif raw:
        drafts[task] = raw
    application.completed_tasks = [t for t in TASKS if t in completed]
    application.drafts = drafts
    application.save()
    return application


def submission_problems(application: Application) -> list[str]:
    """Everything that stops this application being submitted, as messages that say what to fix."""
    problems = []
    names = {
        "organisation": "About your organisation",
        "project": "Your project",
        "budget": "Budget",
        "documents": "Documents",
        "declarations": "Declarations",
    }
    for task in TASKS:
        if task not in application.completed_tasks:
            problems.append(f"Complete the section “{names[task]}”")
    round_ = application.round
    if application.organisation.type not in round_.organisation_types:
        problems.append(f"{application.organisation.get_type_display()}s cannot apply to {round_}")
    if application.amount_requested is not None and "budget" in application.completed_tasks:
        total = sum((i.amount for i in application.budget_items.all()), start=0)
        if total != application.amount_requested:
            problems.append(
                f"The budget items add up to {format_pounds(total)} but you are asking for "
                f"{format_pounds(application.amount_requested)}. Change the items or the amount"
            )
    if "documents" in application.completed_tasks:
        have = set(application.documents.values_list("kind", flat=True))
        for kind in REQUIRED_DOCUMENTS:
            if kind not in have:
                problems.append(f"Upload your {Document.Kind(kind).label.lower()}")
    return problems


@transaction.atomic
def submit_application(*, application_id: int, by, now=None) -> Application:
    """Submit once. The row lock makes a second click wait, then find the application already submitted."""
    application = Application.objects.select_for_update().get(pk=application_id)
    if application.status != Status.DRAFT:
        raise AlreadySubmitted()
    # Only the round's row: locking its budget and year too would queue every submission in the year behind each
    # other and behind finance's approvals. The reference counter has a lock of its own.
    round_ = (
        Round.objects.select_for_update(of=("self",))
        .select_related("budget__year")
        .get(pk=application.round_id)
    )
    if not round_.is_open(now or timezone.now()):
        raise RoundClosed(round_)
    problems = submission_problems(application)
    if problems:
        raise IncompleteApplication(problems)
    application.reference = reserve_reference(reference_stem(round_))
    application.submitted_at = timezone.now()
    application.submitted_by = by
    move(application, Status.SUBMITTED, by=by, role=Role.APPLICANT, reason="Submitted by the applicant")
    return application


@transaction.atomic
def withdraw_application(*, application_id: int, by, reason: str = "") -> Application:
    application = Application.objects.select_for_update().get(pk=application_id)
    move(
        application,
        Status.WITHDRAWN,
        by=by,
        role=Role.APPLICANT,
        reason=reason or "Withdrawn by the applicant",
    )
    return application


@transaction.atomic
def respond_to_request(*, request_id: int, response: str, by) -> InformationRequest:
    info = InformationRequest.objects.select_related("application").get(pk=request_id)
    application = Application.objects.select_for_update().get(pk=info.application_id)
    info = InformationRequest.objects.select_for_update().get(pk=request_id)
    if info.responded_at:
        raise TransitionNotAllowed("This question has already been answered.")
    info.response, info.responded_by, info.responded_at = response, by, timezone.now()
    info.save(update_fields=["response", "responded_by", "responded_at"])
    if (
        application.status == Status.MORE_INFORMATION
        and not application.information_requests.filter(responded_at__isnull=True).exists()
    ):
        back_to = application.resume_status or Status.SUBMITTED
        application.resume_status = ""
        move(application, back_to, by=by, role=Role.APPLICANT, reason="More information given")
    return info
