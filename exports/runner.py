"""Building one export job: what the Celery task runs. Callers ask for an export with services.request_export."""

import logging

from django.core.files.base import ContentFile
from django.utils import timezone

from .models import ExportJob
from .registry import builder_for

log = logging.getLogger(__name__)


def build(job_id: int) -> ExportJob:
    job = ExportJob.objects.get(pk=job_id)
    if job.status == ExportJob.Status.READY:
        return job  # a retried or duplicated task has nothing left to do
    try:
        filename, content = builder_for(job.kind)(job.params)
    except Exception as exc:
        log.exception("Export %s failed", job.pk)
        job.status, job.error, job.finished_at = ExportJob.Status.FAILED, str(exc), timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        return job
    job.file.save(filename, ContentFile(content), save=False)
    job.filename, job.status, job.finished_at = filename, ExportJob.Status.READY, timezone.now()
    job.save(update_fields=["file", "filename", "status", "finished_at"])
    return job
