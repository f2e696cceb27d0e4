"""The worker heartbeat that /healthz/details reads (pcc_grants.health)."""

from celery import shared_task

from . import health


@shared_task(name="pcc_grants.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Every minute (CELERY_BEAT_SCHEDULE): a worker ran a task now. Beat sends it with a 55 s expiry, so after an
    outage a backlog of heartbeats is dropped, not run one after another."""
    health.record_heartbeat()
