"""Budget-line imports, run by a worker so no web request reads a spreadsheet (issue 13). Thin: each task takes the
job's id and calls funds.budget_import, whose steps do nothing if their work is already done, so a message delivered
twice acts once."""

import logging

from celery import shared_task
from django.db import transaction

from outbox.services import acknowledge, send_after_commit

from . import budget_import

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def check_budget_import(job_id: int, outbox_id: int | None = None) -> None:
    _run(budget_import.check_job, job_id)
    acknowledge(outbox_id)


@shared_task(acks_late=True)
def apply_budget_import(job_id: int, outbox_id: int | None = None) -> None:
    _run(budget_import.import_job, job_id)
    acknowledge(outbox_id)


def _run(step, job_id: int) -> None:
    try:
        step(job_id)
    except Exception:
        # Logged for the operator; the job's page says it could not be finished and offers to try again. Not raised:
        # with no broker the task runs inside the request, and a committed upload must not end in a 500.
        logger.exception("Budget import job %s failed", job_id)
        budget_import.fail_job(
            job_id, "Something went wrong on our side. Try again; if it fails again, ask IT."
        )


def queue(job) -> None:
    """Send the job's next step to a worker once the request's transaction commits (the worker must see the row),
    through the outbox: with the broker away the upload still succeeds and the sweep sends the step later."""
    task = apply_budget_import if job.confirmed_at else check_budget_import
    with transaction.atomic():
        send_after_commit(task.name, job.pk)
