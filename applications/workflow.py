"""The application lifecycle as data: which moves are allowed, who may make them, and what the applicant is told.

Every status change goes through `move()`, which checks this table and records an ApplicationEvent.
"""

from django.db import models, transaction

from funds.services import record_event

from .models import Application, ApplicationEvent, Status


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

# What an applicant reads about each status, in plain words.
NEXT_STEPS: dict[str, str] = {
    S.DRAFT: "You have not sent this application yet. Finish each section, check your answers and submit it "
    "before the round closes.",
    S.SUBMITTED: "We have your application. We are checking that your organisation and project can be funded. "
    "We will email you when we have finished.",
    S.MORE_INFORMATION: "We need more information from you before we can carry on. Answer our question below.",
    S.INELIGIBLE: "Your application cannot be funded from this round. We have emailed you the reason.",
    S.IN_ASSESSMENT: "Your application is eligible. Assessors are scoring it against the round's criteria.",
    S.RECOMMENDED: "Your application has been assessed and is going to the funding panel for a decision.",
    S.APPROVED: "The panel has agreed to fund your project. Our finance team is setting up your award; we will "
    "email your award letter soon.",
    S.DECLINED: "The panel was not able to fund your project this time. We have emailed you the reason.",
    S.AWARDED: "Your grant has been awarded. Read your award letter and accept the award so that we can pay you.",
    S.WITHDRAWN: "You withdrew this application. Nothing else will happen to it.",
}

WITHDRAWABLE = {frm for (frm, to) in TRANSITIONS if to == S.WITHDRAWN}


class TransitionNotAllowed(Exception):
    """A move the table does not allow, with a message for the person who tried it."""


def allowed(frm: str, to: str) -> str | None:
    return TRANSITIONS.get((frm, to))


def move(application: Application, to: str, *, by, role: str, reason: str = "") -> ApplicationEvent:
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
    event = ApplicationEvent.objects.create(
        application=application, from_status=frm, to_status=to, by=by, reason=reason
    )
    record_event(
        "application.status",
        obj=application,
        by=by,
        before={"status": frm},
        after={"status": to},
        note=reason,
    )
    from .tasks import notify_status_change

    transaction.on_commit(lambda: notify_status_change.delay(event.pk))
    return event
