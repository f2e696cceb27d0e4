from celery import shared_task

from . import runner


@shared_task(acks_late=True)
def build_export(job_id: int) -> None:
    runner.build(job_id)
