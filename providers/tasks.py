"""Thin tasks: they take ids and call providers.reminders, and do nothing when the work is already done."""

from celery import shared_task

from outbox.services import acknowledge, send_now

from . import reminders


@shared_task(name="providers.tasks.send_monitoring_reminders", acks_late=True)
def send_monitoring_reminders() -> int:
    """Hourly (CELERY_BEAT_SCHEDULE). Claims due reminders, then queues the pending claims in chunks.

    A task per chunk rather than per claim: 13,000 claims are 130 broker messages, not 13,000, and each chunk reuses
    one mail connection. Each claim in a chunk is still its own transaction. The claims have committed by now, so
    each chunk goes to the outbox and straight on to the broker; one the broker refuses, the outbox sweep sends within
    minutes, and any claim still pending is queued again by the next tick."""
    reminders.claim_due_reminders()
    ids = reminders.pending_ids()
    for chunk in reminders.chunks(ids):
        send_now("providers.tasks.send_reminders", chunk)
    return len(ids)


@shared_task(name="providers.tasks.send_reminders", acks_late=True)
def send_reminders(reminder_ids: list[int], outbox_id: int | None = None) -> int:
    sent = reminders.send_batch(reminder_ids)
    acknowledge(outbox_id)
    return sent


# Kept for messages queued one per claim before chunks: a deploy must not strand them in the queue.
@shared_task(name="providers.tasks.send_reminder", acks_late=True)
def send_reminder(reminder_id: int) -> bool:
    return reminders.send(reminder_id)
