"""Thin tasks for the outbox (outbox.services). `acknowledge` is here too, for the tasks the outbox sends."""

from celery import shared_task

from . import services
from .services import acknowledge

__all__ = ["acknowledge", "dispatch_pending", "purge_done"]


@shared_task(name="outbox.tasks.dispatch_pending", acks_late=True)
def dispatch_pending() -> int:
    """Every minute (CELERY_BEAT_SCHEDULE). Two at once is harmless: each takes its rows with SKIP LOCKED."""
    return services.dispatch_pending()


@shared_task(name="outbox.tasks.purge_done", acks_late=True)
def purge_done() -> int:
    """Daily (CELERY_BEAT_SCHEDULE)."""
    return services.purge_done()
