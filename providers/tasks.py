"""Thin tasks: they take ids and call providers.reminders, and do nothing when the work is already done."""

from celery import shared_task

from . import reminders


@shared_task(name="providers.tasks.send_monitoring_reminders", acks_late=True)
def send_monitoring_reminders() -> int:
    """Hourly (CELERY_BEAT_SCHEDULE). Claims due reminders, then queues one send per pending claim."""
    reminders.claim_due_reminders()
    ids = reminders.pending_ids()
    for reminder_id in ids:
        send_reminder.delay(reminder_id)
    return len(ids)


@shared_task(name="providers.tasks.send_reminder", acks_late=True)
def send_reminder(reminder_id: int) -> bool:
    return reminders.send(reminder_id)
