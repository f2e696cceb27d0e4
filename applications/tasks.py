"""Thin tasks: they take ids and call applications.notifications, which sends each email once per row.

Queue them with `outbox.services.send_after_commit("applications.tasks.<name>", pk)` inside the change's transaction:
the message is written with the change and handed over after it commits, and sent again until the task acknowledges
it. A failed send rolls its claim back, so the task retries with backoff rather than dropping the email; a copy sent
twice finds the email's row already marked and sends nothing.
"""

from celery import shared_task

from outbox.services import acknowledge, send_now

from . import notifications, report_reminders

# smtplib's errors and refused connections are all OSErrors.
RETRY = {
    "acks_late": True,
    "autoretry_for": (OSError,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 8,
}


@shared_task(name="applications.tasks.notify_status_change", **RETRY)
def notify_status_change(event_id: int, outbox_id: int | None = None) -> bool:
    sent = notifications.notify_status_change(event_id)
    acknowledge(outbox_id)
    return sent


@shared_task(name="applications.tasks.send_award_letter", **RETRY)
def send_award_letter(award_id: int, outbox_id: int | None = None) -> bool:
    sent = notifications.send_award_letter(award_id)
    acknowledge(outbox_id)
    return sent


@shared_task(name="applications.tasks.send_invitation", **RETRY)
def send_invitation(invitation_id: int, outbox_id: int | None = None) -> bool:
    sent = notifications.send_invitation(invitation_id)
    acknowledge(outbox_id)
    return sent


@shared_task(name="applications.tasks.anonymise_unsuccessful_applications", acks_late=True)
def anonymise_unsuccessful_applications() -> int:
    """Daily (CELERY_BEAT_SCHEDULE). Safe to run twice or on two workers at once: see services.retention."""
    from .services import retention

    return retention.anonymise_unsuccessful_applications()


@shared_task(name="applications.tasks.send_report_reminders", acks_late=True)
def send_report_reminders() -> int:
    """Hourly (CELERY_BEAT_SCHEDULE). Claims due grant report reminders, then queues the pending claims in chunks, as
    providers.tasks.send_monitoring_reminders does (applications.report_reminders has why it sends each once)."""
    report_reminders.claim_due_reminders()
    ids = report_reminders.pending_ids()
    for chunk in report_reminders.chunks(ids):
        send_now("applications.tasks.send_report_reminder_batch", chunk)
    return len(ids)


@shared_task(name="applications.tasks.send_report_reminder_batch", acks_late=True)
def send_report_reminder_batch(reminder_ids: list[int], outbox_id: int | None = None) -> int:
    sent = report_reminders.send_batch(reminder_ids)
    acknowledge(outbox_id)
    return sent
