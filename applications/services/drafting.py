"""The applicant's side: starting, saving, submitting exactly once, withdrawing and answering staff questions."""

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from core.money import format_pounds

from .. import questions
from ..models import (
    Application,
    BudgetItem,
    Document,
    InformationRequest,
    Membership,
    Organisation,
    Round,
    Status,
)
from ..workflow import TransitionNotAllowed, move
from .documents import save_document
from .forms import current_form_version
from .references import reference_stem, reserve_reference

if TYPE_CHECKING:
    from accounts.models import User

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


def start_application(*, round_: Round, organisation: Organisation, by: "User") -> Application:
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
        round=round_,
        organisation=organisation,
        created_by=by,
        contact_name=by.full_name,
        form_version=current_form_version(round_id=round_.pk),
    )


def keep_form_version(application: Application) -> Application:
    """An application started before forms had versions is given the round's current one the first time it is
    opened, and keeps it from then on."""
    if application.form_version_id is None and application.status == Status.DRAFT:
        version = current_form_version(round_id=application.round_id)
        Application.objects.filter(pk=application.pk, form_version__isnull=True).update(form_version=version)
        application.refresh_from_db(fields=["form_version"])
    return application


# What each task page may change on the application. save_task sets these and nothing else, whatever it is given.
TASK_FIELDS = {
    "organisation": {"contact_name", "contact_phone", "meets_requirements"},
    "project": {
        "project_title",
        "project_summary",
        "area_id",
        "amount_requested",
        "ring_fence_id",
    },
    "budget": set(),
    "documents": set(),
    "declarations": {"declared_by_name", "declared_at"},
}


class BudgetDoesNotAddUp(Exception):
    """Budget items that do not add up to the amount requested; the message says by how much."""


def budget_mismatch(amounts: Iterable[Decimal], requested: Decimal) -> str | None:
    """The budget items must add up to the amount requested: what to tell the applicant when they do not, else None.

    The budget page checks it as it saves the items, and submission checks it again, because the amount can change
    on "Your project" after the items were saved.
    """
    total = sum(amounts, start=Decimal("0"))
    if total == requested:
        return None
    return (
        f"The budget items add up to {format_pounds(total)} but you are asking for "
        f"{format_pounds(requested)}. Change the items or the amount"
    )


@transaction.atomic
def save_task(
    *,
    application_id: int,
    task: str,
    changes: dict[str, Any],  # field name -> value of that field's own type (answers: a dict of them)
    raw: dict[str, object],
    complete: bool,
    by: "User",
    budget_items: list[tuple[str, Decimal]] | None = None,
    uploads: dict[str, UploadedFile] | None = None,
) -> Application:
    """Write what is valid on a task page and keep every character typed, valid or not.

    `changes` are the application's fields the page set from valid input (see TASK_FIELDS; "answers" adds to the
    answers already given). `budget_items`, when given, replace the budget as one list of (description, amount);
    `uploads` maps a document kind to its file. `complete` (Save and continue with a valid form) marks the task
    done; anything else leaves it incomplete and keeps the raw input so the page shows it again exactly as typed.
    """
    application = Application.objects.select_for_update().get(pk=application_id)
    if application.status != Status.DRAFT:
        raise AlreadySubmitted()
    section = questions.section_of(application.form, task)
    if section is None and task not in TASK_FIELDS:
        raise ValueError(f"{application} has no task {task}")
    # A section of the round's own questions changes only the answers to its questions; a fixed task its fields.
    allowed = {"answers"} if section else TASK_FIELDS[task]
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"The {task} page cannot change {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        if name == "answers" and section is not None:
            here = {q["key"] for q in section["questions"]}
            if set(value) - here:
                raise ValueError(f"The {task} page cannot answer questions of another section")
            # Added to the answers already given, so an answer that failed its check keeps the one saved before;
            # None removes an answer (a question the applicant's own choice has since hidden).
            value = {k: v for k, v in {**application.answers, **value}.items() if v is not None}
        setattr(application, name, value)
    if budget_items is not None:
        _replace_budget_items(application, budget_items)
    for kind, upload in (uploads or {}).items():
        if section:
            # A file question's answer: the document, and the answer pointing at it.
            document = save_document(
                application=application, kind=Document.Kind.ANSWER, upload=upload, by=by, question=kind
            )
            application.answers = {
                **application.answers,
                kind: {"document": document.pk, "name": document.original_name},
            }
        else:
            save_document(application=application, kind=kind, upload=upload, by=by)
    # A NUL cannot be typed, and PostgreSQL refuses it in JSON: keep everything else exactly as sent.
    raw = {name: str(value).replace("\x00", "") for name, value in raw.items()}
    completed = [t for t in application.completed_tasks if t != task]
    drafts = {k: v for k, v in application.drafts.items() if k != task}
    if complete:
        completed.append(task)
    elif raw:
        drafts[task] = raw
    application.completed_tasks = [t for t, _ in application.tasks if t in completed]
    application.drafts = drafts
    application.save()
    return application


def _replace_budget_items(application: Application, items: list[tuple[str, Decimal]]) -> None:
    # All or nothing: the items are one list that must add up, so they are replaced together or not at all.
    if not items:
        raise BudgetDoesNotAddUp("Add at least one budget item")
    if application.amount_requested is None:
        raise BudgetDoesNotAddUp(
            "Tell us how much you are asking for in “Your project” before you add your budget"
        )
    problem = budget_mismatch((amount for _, amount in items), application.amount_requested)
    if problem:
        raise BudgetDoesNotAddUp(problem)
    application.budget_items.all().delete()
    BudgetItem.objects.bulk_create(
        BudgetItem(application=application, order=n, description=description, amount=amount)
        for n, (description, amount) in enumerate(items, start=1)
    )


def submission_problems(application: Application) -> list[str]:
    """Everything that stops this application being submitted, as messages that say what to fix."""
    problems = []
    for task, title in application.tasks:
        if task not in application.completed_tasks:
            problems.append(f"Complete the section “{title}”")
    # A section completed before an earlier answer changed may now ask a question it did not (a condition met).
    for section in application.form["sections"]:
        if section["key"] in application.completed_tasks:
            for question in questions.unanswered(application.form, application.answers, section["key"]):
                problems.append(f"Answer the question “{question['text']}” in “{section['title']}”")
    round_ = application.round
    if application.organisation.type not in round_.organisation_types:
        problems.append(f"{application.organisation.get_type_display()}s cannot apply to {round_}")
    if application.amount_requested is not None and "budget" in application.completed_tasks:
        amounts = (i.amount for i in application.budget_items.all())
        if problem := budget_mismatch(amounts, application.amount_requested):
            problems.append(problem)
    if "documents" in application.completed_tasks:
        have = set(application.documents.values_list("kind", flat=True))
        for kind in REQUIRED_DOCUMENTS:
            if kind not in have:
                problems.append(f"Upload your {Document.Kind(kind).label.lower()}")
    return problems


@transaction.atomic
def submit_application(
    *, application_id: int, by: "User", now: datetime.datetime | None = None
) -> Application:
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
    move(application, Status.SUBMITTED, by=by, reason="Submitted by the applicant")
    return application


@transaction.atomic
def withdraw_application(*, application_id: int, by: "User", reason: str = "") -> Application:
    application = Application.objects.select_for_update().get(pk=application_id)
    move(
        application,
        Status.WITHDRAWN,
        by=by,
        reason=reason or "Withdrawn by the applicant",
    )
    return application


@transaction.atomic
def respond_to_request(*, request_id: int, response: str, by: "User") -> InformationRequest:
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
        move(application, back_to, by=by, reason="More information given")
    return info
