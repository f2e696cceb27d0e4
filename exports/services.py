import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from .models import ExportJob
from .registry import builder_for

log = logging.getLogger(__name__)


def request_export(*, kind: str, params: dict, title: str, by) -> ExportJob:
    """Record the request and queue the build once the request is committed, so the worker can see the row."""
    builder_for(kind)  # fail now, in the request, if nothing can build it
    job = ExportJob.objects.create(kind=kind, params=params, title=title, requested_by=by)
    from .tasks import build_export

    transaction.on_commit(lambda: build_export.delay(job.pk))
    return job


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
