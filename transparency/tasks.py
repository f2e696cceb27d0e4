"""Thin tasks: build the grants downloads ahead of anyone asking (transparency.grant_files).

Safe to run any number of times: a file already built at the current publication version is not built again, so a
task sent twice, or one per approval in a busy hour, costs one build per version. Queue it with
`outbox.services.send_after_commit("transparency.tasks.build_grants_downloads")` in a transaction that changes
published grants; the request that finds a file missing builds it too, so a task lost or late never serves stale data.
"""

from celery import shared_task

from outbox.services import acknowledge

from . import grant_files, publication


@shared_task(name="transparency.tasks.build_grants_downloads", acks_late=True)
def build_grants_downloads(outbox_id: int | None = None) -> int:
    built = grant_files.build_all(publication.current())
    acknowledge(outbox_id)
    return built
