"""Emails to applicants: what each says, and sending each one once.

The senders run in Celery tasks (applications.tasks) queued after the change that caused them has committed, so no
email describes a change that was rolled back. A task may run twice (a retry after a lost acknowledgement, a duplicate
delivery, two workers), so each sender claims a row before sending:

1. Lock the row (SELECT ... FOR UPDATE), where its sent mark is still empty. A second copy of the task waits on the
   lock, then finds the mark set and sends nothing.
2. Set the mark, then send as the last step before COMMIT. If sending raises, the mark rolls back with it and the
   task's retry sends the email.

The residual risk is the one providers.reminders states: if the process dies between the mail server accepting the
message and the COMMIT, the mark rolls back and a retry sends that email again. The opposite order (commit, then send)
would lose the email in the same window; a duplicate is the safer failure.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from audit.selectors import StatusChange

from .models import Application, Award, Invitation, Status, StatusEmail
from .next_steps import NEXT_STEPS


def _site() -> str:
    return settings.SITE_URL


def member_emails(application: Application) -> list[str]:
    return list(
        application.organisation.memberships.values_list("user__email", flat=True).order_by("user__email")
    )


def _render(template: str, context: dict) -> str:
    return render_to_string(template, {"site": _site(), **context})


# Builders: (subject, body, recipients) for one row. They read only; they never send.


def status_change_message(status_email: StatusEmail) -> tuple[str, str, list[str]]:
    change = StatusChange.from_event(status_email.event, Status)
    application = Application.objects.select_related("round", "organisation").get(
        pk=status_email.event.object_id
    )
    body = _render(
        "applications/email/status_changed.txt",
        {
            "application": application,
            "event": change,
            "next_steps": NEXT_STEPS[change.to_status],
            "url": _site() + reverse("applications:detail", args=[application.pk]),
        },
    )
    subject = f"{application.reference or 'Your application'}: {change.to_status.label}"
    return subject, body, member_emails(application)


def award_letter_message(award: Award) -> tuple[str, str, list[str]]:
    body = _render(
        "applications/email/award_letter.txt",
        {
            "award": award,
            "application": award.application,
            "payments": list(award.payments.all()),
            "url": _site() + reverse("applications:detail", args=[award.application.pk]),
        },
    )
    return f"{award.application.reference}: your award letter", body, member_emails(award.application)


def invitation_message(invitation: Invitation) -> tuple[str, str, list[str]]:
    body = _render(
        "applications/email/invitation.txt",
        {
            "invitation": invitation,
            "url": _site() + reverse("applications:accept_invitation", args=[invitation.token]),
        },
    )
    return f"Join {invitation.organisation.name} on PCC Grants", body, [invitation.email]


# Senders: each claims its row, then sends. True if this call sent the email.


def _send_once(queryset, pk: int, mark: str, build) -> bool:
    with transaction.atomic():
        row = queryset.select_for_update(of=("self",)).filter(pk=pk, **{f"{mark}__isnull": True}).first()
        if row is None:
            return False  # already sent by an earlier run of the task
        setattr(row, mark, timezone.now())
        row.save(update_fields=[mark])
        subject, body, to = build(row)
        if to:
            # Last step before COMMIT: if this raises, the mark rolls back and a retry sends it.
            send_mail(subject, body, None, to)
    return True


def notify_status_change(event_id: int) -> bool:
    """`event_id` is the audit event of the move; its StatusEmail row, keyed by the same id, is the claim."""
    return _send_once(StatusEmail.objects.select_related("event"), event_id, "sent_at", status_change_message)


def send_award_letter(award_id: int) -> bool:
    awards = Award.objects.select_related("application__round", "application__organisation")
    return _send_once(awards, award_id, "letter_sent_at", award_letter_message)


def send_invitation(invitation_id: int) -> bool:
    invitations = Invitation.objects.select_related("organisation", "invited_by")
    return _send_once(invitations, invitation_id, "sent_at", invitation_message)
