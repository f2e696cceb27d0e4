import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from outbox.services import resend_now, send_after_commit

from .models import ExportJob
from .registry import builder_for
from .runner import LEASE

BUILD_TASK = "exports.tasks.build_export"
# A job never started this long after it was asked for has lost its message (or came from before the outbox): the
# outbox's own first re-send comes after 5 minutes, so by now something is wrong.
NEVER_STARTED_AFTER = datetime.timedelta(minutes=15)


@transaction.atomic
def request_export(*, kind: str, params: dict, title: str, by: Any) -> ExportJob:
    """Record the request and queue the build through the outbox, so it is handed to a worker once the request is
    committed, and sent again if the broker is away.

    `by` is the accounts.User asking; exports shares a layer with accounts, so it does not import the model."""
    builder_for(kind)  # fail now, in the request, if nothing can build it
    job = ExportJob.objects.create(kind=kind, params=params, title=title, requested_by=by)
    send_after_commit(BUILD_TASK, job.pk)
    return job


@transaction.atomic
def retry_export(*, job_id: int, by: Any) -> ExportJob:
    """Queue a failed export again, for the person who asked for it. A job that is not failed is left as it is (a
    second press of "Try again" finds it already being prepared)."""
    job = ExportJob.objects.select_for_update().get(pk=job_id, requested_by=by)
    if job.status != ExportJob.Status.FAILED:
        return job
    job.status, job.error, job.started_at, job.finished_at = ExportJob.Status.PENDING, "", None, None
    job.progress_done, job.progress_total, job.progress_step = 0, 0, ""
    job.save(
        update_fields=[
            "status",
            "error",
            "started_at",
            "finished_at",
            "progress_done",
            "progress_total",
            "progress_step",
        ]
    )
    send_after_commit(BUILD_TASK, job.pk)
    return job


def requeue_abandoned_jobs(*, now: datetime.datetime | None = None) -> int:
    """Queue again every export still pending that no worker is building: one whose worker died mid-build (claimed
    more than runner.LEASE ago), or one never started long after it was asked for. Its outbox message, if one is
    still being sent, is sent at the next sweep; otherwise a new one is written. Returns how many were queued."""
    now = now or timezone.now()
    abandoned = Q(started_at__lt=now - LEASE) | Q(
        started_at__isnull=True, requested_at__lt=now - NEVER_STARTED_AFTER
    )
    with transaction.atomic():
        jobs = list(
            ExportJob.objects.select_for_update(skip_locked=True)
            .filter(abandoned, status=ExportJob.Status.PENDING)
            .values_list("pk", flat=True)
        )
        for job_id in jobs:
            if not resend_now(BUILD_TASK, job_id):
                send_after_commit(BUILD_TASK, job_id)
    return len(jobs)
