"""The application lifecycle as data: which moves are allowed and who may make them.

Every status change goes through `move()`, which checks this table against the person acting (never a role the caller
claims), applies the separation of duties (applications.duties) and records one audit event (STATUS_CHANGED).
What the applicant is told about each status is in applications.next_steps.
"""

from django.db import transaction

from audit.models import AuditEvent
from audit.services import record_status_change
from outbox.services import send_after_commit

from . import duties
from .models import STATUS_CHANGED, Application, Membership, Status, StatusEmail

S = Status

# A move an applicant makes: the person acting must be a member of the applying organisation.
APPLICANT = "applicant"

# (from, to) -> the permission the person acting must hold, or APPLICANT. The single source of truth for the lifecycle.
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.DRAFT, S.SUBMITTED): APPLICANT,
    (S.SUBMITTED, S.IN_ASSESSMENT): duties.SCREEN,  # eligibility screening passed
    (S.SUBMITTED, S.INELIGIBLE): duties.SCREEN,  # eligibility screening failed
    (S.SUBMITTED, S.MORE_INFORMATION): duties.SCREEN,
    (S.IN_ASSESSMENT, S.MORE_INFORMATION): duties.SCREEN,
    (S.MORE_INFORMATION, S.SUBMITTED): APPLICANT,  # answered; back to where it was
    (S.MORE_INFORMATION, S.IN_ASSESSMENT): APPLICANT,
    (S.IN_ASSESSMENT, S.RECOMMENDED): duties.RECOMMEND,
    (S.RECOMMENDED, S.APPROVED): duties.DECIDE,  # panel decision: approve
    (S.RECOMMENDED, S.DECLINED): duties.DECIDE,  # panel decision: decline
    (S.APPROVED, S.AWARDED): duties.APPROVE_AWARD,  # money committed
    (S.APPROVED, S.AWARD_CANCELLED): duties.CANCEL_AWARD,  # cancelled before finance approved it
    (S.AWARDED, S.AWARD_CANCELLED): duties.CANCEL_AWARD,  # cancelled, its money released
    (S.DRAFT, S.WITHDRAWN): APPLICANT,
    (S.SUBMITTED, S.WITHDRAWN): APPLICANT,
    (S.MORE_INFORMATION, S.WITHDRAWN): APPLICANT,
    (S.IN_ASSESSMENT, S.WITHDRAWN): APPLICANT,
    (S.RECOMMENDED, S.WITHDRAWN): APPLICANT,
}

WITHDRAWABLE = {frm for (frm, to) in TRANSITIONS if to == S.WITHDRAWN}


class TransitionNotAllowed(Exception):
    """A move the table does not allow, or not for this person, with a message for the person who tried it."""


def allowed(frm: str, to: str) -> str | None:
    """The permission (or APPLICANT) the move needs, or None if the lifecycle has no such move."""
    return TRANSITIONS.get((frm, to))


def refusal(application: Application, to: str, by) -> str | None:
    """Why `by` may not move `application` to `to`, or None if they may."""
    frm = application.status
    needed = allowed(frm, to)
    if needed is None:
        return f"An application that is “{Status(frm).label}” cannot become “{Status(to).label}”."
    if needed == APPLICANT:
        is_member = (
            by is not None
            and by.is_authenticated
            and Membership.objects.filter(organisation_id=application.organisation_id, user=by).exists()
        )
        return None if is_member else "Only a member of the applying organisation can do this."
    return duties.refusal(application, needed, by)


def move(application: Application, to: str, *, by, reason: str = "") -> AuditEvent:
    """Change status. The caller holds a row lock on `application` (select_for_update) inside a transaction."""
    assert transaction.get_connection().in_atomic_block, "move() must run inside a transaction"
    frm = application.status
    if problem := refusal(application, to, by):
        raise TransitionNotAllowed(problem)
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
    send_after_commit("applications.tasks.notify_status_change", event.pk)
    return event
