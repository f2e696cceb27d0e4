"""The application lifecycle as data: which moves are allowed and who may make them.

Every status change goes through `move()`, which checks this table and records one audit event (STATUS_CHANGED).
What the applicant is told about each status is in applications.next_steps.
"""

from django.db import models, transaction

from audit.models import AuditEvent
from audit.services import record_status_change

from . import tasks
from .models import STATUS_CHANGED, Application, Status, StatusEmail


class Role(models.TextChoices):
    APPLICANT = "applicant", "A member of the applying organisation"
    STAFF = "staff", "OPCC grants staff"
    FINANCE = "finance", "OPCC finance"


S = Status

# (from, to) -> who may make the move. The single source of truth for the lifecycle.
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.DRAFT, S.SUBMITTED): Role.APPLICANT,
    (S.SUBMITTED, S.IN_ASSESSMENT): Role.STAFF,  # eligibility screening passed
    (S.SUBMITTED, S.INELIGIBLE): Role.STAFF,  # eligibility screening failed
    (S.SUBMITTED, S.MORE_INFORMATION): Role.STAFF,
    (S.IN_ASSESSMENT, S.MORE_INFORMATION): Role.STAFF,
    (S.MORE_INFORMATION, S.SUBMITTED): Role.APPLICANT,  # answered; back to where it was
    (S.MORE_INFORMATION, S.IN_ASSESSMENT): Role.APPLICANT,
    (S.IN_ASSESSMENT, S.RECOMMENDED): Role.STAFF,
    (S.RECOMMENDED, S.APPROVED): Role.STAFF,  # panel decision: approve
    (S.RECOMMENDED, S.DECLINED): Role.STAFF,  # panel decision: decline
    (S.APPROVED, S.AWARDED): Role.FINANCE,  # money committed
    (S.DRAFT, S.WITHDRAWN): Role.APPLICANT,
    (S.SUBMITTED, S.WITHDRAWN): Role.APPLICANT,
    (S.MORE_INFORMATION, S.WITHDRAWN): Role.APPLICANT,
    (S.IN_ASSESSMENT, S.WITHDRAWN): Role.APPLICANT,
    (S.RECOMMENDED, S.WITHDRAWN): Role.APPLICANT,
}

WITHDRAWABLE = {frm for (frm, to) in TRANSITIONS if to == S.WITHDRAWN}


class TransitionNotAllowed(Exception):
    """A move the table does not allow, with a message for the person who tried it."""


def allowed(frm: str, to: str) -> str | None:
    return TRANSITIONS.get((frm, to))


def move(application: Application, to: str, *, by, role: str, reason: str = "") -> AuditEvent:
    """Change status. The caller holds a row lock on `application` (select_for_update) inside a transaction."""
    assert transaction.get_connection().in_atomic_block, "move() must run inside a transaction"
    frm = application.status
    who = allowed(frm, to)
    if who is None or who != role:
        raise TransitionNotAllowed(
            f"An application that is “{Status(frm).label}” cannot become “{Status(to).label}”."
        )
    application.status = to
    application.save(
        update_fields=[
            "status",
            "resume_status",
            "updated_at",
            "reference",
            "submitted_at",
            "submitted_by",
            "recommended_amount",
            "decision",
        ]
    )
    event = record_status_change(
        STATUS_CHANGED, obj=application, from_status=frm, to_status=to, by=by, reason=reason
    )
    # The applicant's email about this move is claimed through this row, so a retried task sends it once.
    StatusEmail.objects.create(event=event)
    transaction.on_commit(lambda: tasks.notify_status_change.delay(event.pk))
    return event
