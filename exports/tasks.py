"""Thin tasks: build one export, and queue again the exports a dead worker left. Exports are queued through the
outbox (exports.services), so each build task acknowledges its message once the job is finished."""

from celery import shared_task

from outbox.services import acknowledge

from . import runner, services
from .models import ExportJob

# An export build is stopped after an hour: the soft limit first, which the runner records as a failed job the person
# can try again, then the hard limit, which kills the process. runner.LEASE and the broker's visibility timeout
# (settings) are set longer than this, so a build still running is never taken for a dead one.
SOFT_TIME_LIMIT = 55 * 60
TIME_LIMIT = 60 * 60


@shared_task(
    name="exports.tasks.build_export", acks_late=True, soft_time_limit=SOFT_TIME_LIMIT, time_limit=TIME_LIMIT
)
def build_export(job_id: int, outbox_id: int | None = None) -> None:
    job = runner.build(job_id)
    # Still pending: another worker holds the build. This message stays unfinished, so the outbox sends it again
    # later; by then the build is done (and this copy finds nothing to do) or its worker has died (and this copy
    # takes it over).
    if job.status != ExportJob.Status.PENDING:
        acknowledge(outbox_id)


@shared_task(name="exports.tasks.requeue_abandoned_exports", acks_late=True)
def requeue_abandoned_exports() -> int:
    """Every five minutes (CELERY_BEAT_SCHEDULE)."""
    return services.requeue_abandoned_jobs()
