"""Thin tasks: they take ids and call applications.notifications, which sends each email once per row.

Queue them with `transaction.on_commit(lambda: task.delay(pk))` so the row they read has committed. A failed send
rolls its claim back, so the task retries with backoff rather than dropping the email.
"""

from celery import shared_task

from . import notifications

# smtplib's errors and refused connections are all OSErrors.
RETRY = {
    "acks_late": True,
    "autoretry_for": (OSError,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 8,
}


@shared_task(name="applications.tasks.notify_status_change", **RETRY)
def notify_status_change(event_id: int) -> bool:
    return notifications.notify_status_change(event_id)


@shared_task(name="applications.tasks.send_award_letter", **RETRY)
def send_award_letter(award_id: int) -> bool:
    return notifications.send_award_letter(award_id)


@shared_task(name="applications.tasks.send_invitation", **RETRY)
def send_invitation(invitation_id: int) -> bool:
    return notifications.send_invitation(invitation_id)


@shared_task(name="applications.tasks.anonymise_unsuccessful_applications", acks_late=True)
def anonymise_unsuccessful_applications() -> int:
    """Daily (CELERY_BEAT_SCHEDULE). Safe to run twice or on two workers at once: see services.retention."""
    from .services import retention

    return retention.anonymise_unsuccessful_applications()
