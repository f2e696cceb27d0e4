"""Waiting for Celery workers to run out of work, so a test can then assert that nothing else happened.

A fixed sleep only says "nothing happened in the next second"; a task that runs later (a countdown, a slow worker, a
busy machine) would still pass. These wait for the work itself to be done, however long that takes, up to a timeout.
"""

import time

import pytest
from celery.signals import after_task_publish, task_postrun


def wait_for(condition, timeout: float, message: str, every: float = 0.05, on_wait=None) -> None:
    """Until `condition()` holds, checking every `every` seconds (calling `on_wait` between checks); fail the test
    with `message` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(message)
        if on_wait:
            on_wait()
        time.sleep(every)


class TaskLedger:
    """Every task published from this process and every task a worker in this process finished running.

    With the in-process test worker both happen here, and a task publishes what it queues before it finishes, so once
    every published task has finished there is nothing queued, reserved, waiting on a countdown or running."""

    def __init__(self):
        self.published: set[str] = set()
        self.finished: set[str] = set()

    def _on_publish(self, sender=None, headers=None, body=None, **kwargs):
        task_id = (headers or {}).get("id") or (body or {}).get("id")
        if task_id:
            self.published.add(task_id)

    def _on_postrun(self, task_id=None, **kwargs):
        self.finished.add(task_id)

    def __enter__(self):
        after_task_publish.connect(self._on_publish, weak=False)
        task_postrun.connect(self._on_postrun, weak=False)
        return self

    def __exit__(self, *exc):
        after_task_publish.disconnect(self._on_publish)
        task_postrun.disconnect(self._on_postrun)

    def outstanding(self) -> set[str]:
        return self.published - self.finished

    def wait_until_drained(self, timeout: float, message: str) -> None:
        deadline = time.monotonic() + timeout
        while self.outstanding():
            if time.monotonic() > deadline:
                pytest.fail(f"{message}: {len(self.outstanding())} tasks still queued or running")
            time.sleep(0.05)


def wait_until_workers_idle(
    app, redis_client, queue: str, workers: int, timeout: float, message: str
) -> None:
    """For workers in other processes: wait until the queue in Redis is empty and each of the `workers` running
    answers that it has nothing active, reserved or scheduled (a worker busy on a task cannot answer, which counts as
    not idle)."""

    def idle() -> bool:
        if redis_client.llen(queue):
            return False
        inspect = app.control.inspect(timeout=1, limit=workers)
        replies = [inspect.active(), inspect.reserved(), inspect.scheduled()]
        if any(reply is None or len(reply) < workers for reply in replies):
            return False
        return all(not tasks for reply in replies for tasks in reply.values())

    deadline = time.monotonic() + timeout
    while not idle():
        if time.monotonic() > deadline:
            pytest.fail(message)
        time.sleep(0.05)
