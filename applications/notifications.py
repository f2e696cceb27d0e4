"""Emails to applicants. Each is sent after the change that caused it has committed, so no email describes a
change that was rolled back."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from .models import Application, ApplicationEvent, Award, Invitation


def _site() -> str:
    return settings.SITE_URL


def member_emails(application: Application) -> list[str]:
    return list(application.organisation.memberships.values_list("user__email", flat=True).order_by("user__email"))


def _send(subject: str, template: str, context: dict, to: list[str]) -> None:
    if to:
        send_mail(subject, render_to_string(template, {"site": _site(), **context}), None, to)


def notify_status_change(event_id: int) -> None:
    event = ApplicationEvent.objects.select_related("application__round", "application__organisation").get(pk=event_id)
    application = event.application
    from .workflow import NEXT_STEPS

    _send(
        f"{application.reference or 'Your application'}: {event.get_to_status_display()}",
        "applications/email/status_changed.txt",
        {"application": application, "event": event, "next_steps": NEXT_STEPS[event.to_status],
         "url": _site() + reverse("applications:detail", args=[application.pk])},
        member_emails(application),
    )


def send_award_letter(award_id: int) -> None:
    award = Award.objects.select_related("application__round", "application__organisation").get(pk=award_id)
    _send(
        f"{award.application.reference}: your award letter",
        "applications/email/award_letter.txt",
        {"award": award, "application": award.application, "payments": list(award.payments.all()),
         "url": _site() + reverse("applications:detail", args=[award.application.pk])},
        member_emails(award.application),
    )


def send_invitation(invitation_id: int) -> None:
    invitation = Invitation.objects.select_related("organisation", "invited_by").get(pk=invitation_id)
    _send(
        f"Join {invitation.organisation.name} on PCC Grants",
        "applications/email/invitation.txt",
        {"invitation": invitation, "url": _site() + reverse("applications:accept_invitation", args=[invitation.token])},
        [invitation.email],
    )
