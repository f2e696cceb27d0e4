from typing import Any

from django.db import transaction

from .models import ExportJob
from .registry import builder_for
from .tasks import build_export


def request_export(*, kind: str, params: dict, title: str, by: Any) -> ExportJob:
    """Record the request and queue the build once the request is committed, so the worker can see the row.

    `by` is the accounts.User asking; exports shares a layer with accounts, so it does not import the model."""
    builder_for(kind)  # fail now, in the request, if nothing can build it
    job = ExportJob.objects.create(kind=kind, params=params, title=title, requested_by=by)
    transaction.on_commit(lambda: build_export.delay(job.pk))
    return job
