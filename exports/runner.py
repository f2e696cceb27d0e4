"""Building one export job: what the Celery task runs. Callers ask for an export with services.request_export.

A build may be asked for twice (the outbox sends a message again if it was not finished in time, the broker
redelivers one whose worker died), so a run first claims the job by stamping `started_at`. A job already claimed,
less than LEASE ago, belongs to a run that may still be working: this run leaves it alone. Once LEASE has passed,
that run is dead (the task's hard time limit has stopped it long before), and this one takes the job over.
"""

import datetime
import logging

from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.base import ContentFile
from django.db.models import Q
from django.utils import timezone

from .models import ExportJob
from .registry import Progress, builder_for, reports_progress

log = logging.getLogger(__name__)

# Longer than exports.tasks.TIME_LIMIT (an hour), after which no worker can still be building it.
LEASE = datetime.timedelta(minutes=70)


def progress_recorder(job_id: int) -> Progress:
    """A builder's progress callback for one job: each step is written to the job at once (a worker runs outside any
    transaction, so the job's page sees it while the build goes on)."""

    def record(done: int, total: int, step: str) -> None:
        ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.PENDING).update(
            progress_done=max(0, min(done, total)), progress_total=max(total, 0), progress_step=step[:200]
        )

    return record


def build(job_id: int) -> ExportJob:
    """Build the job if nobody else is. Returns it: ready or failed when this run or an earlier one finished it,
    still pending when another run holds it."""
    now = timezone.now()
    claimed = (
        ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.PENDING)
        .filter(Q(started_at__isnull=True) | Q(started_at__lt=now - LEASE))
        .update(started_at=now)
    )
    job = ExportJob.objects.get(pk=job_id)
    if not claimed:
        return job  # finished already, or another run is building it
    try:
        builder = builder_for(job.kind)
        if reports_progress(job.kind):
            filename, content = builder(job.params, progress=progress_recorder(job.pk))
        else:
            filename, content = builder(job.params)
    except SoftTimeLimitExceeded:
        log.error("Export %s took too long and was stopped", job.pk)
        error = "It took longer than an hour, so it was stopped. Try again, or ask for less at once."
    except Exception as exc:
        log.exception("Export %s failed", job.pk)
        error = str(exc)
    else:
        job.file.save(filename, ContentFile(content), save=False)
        job.filename, job.status, job.finished_at = filename, ExportJob.Status.READY, timezone.now()
        job.save(update_fields=["file", "filename", "status", "finished_at"])
        return job
    job.status, job.error, job.finished_at = ExportJob.Status.FAILED, error, timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])
    return job
