"""A worker killed with `kill -9` in the middle of its work: an export half-built, a batch of emails half-sent.

After a new worker starts and the sweeps have run (the export's abandoned-job sweep, the outbox's), the export is
ready and was finished exactly once, and each email went exactly once, even when every message is delivered again.
The sweeps wait minutes to hours of real time (the outbox's backoff, the export's lease); the test moves the rows'
timestamps back rather than wait (harness.time_passes).
"""

import datetime

import pytest

from exports import services as exports
from exports.models import ExportJob
from exports.runner import LEASE
from outbox import services as outbox
from tests.applications.factories import complete_application, grants_officer

from . import slow_export
from .harness import (
    expected_emails,
    lost_and_duplicated,
    open_messages,
    redeliver_every_message,
    report,
    time_passes,
    unsent_marks,
    wait_for,
)

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def test_a_worker_killed_mid_export_leaves_a_job_that_finishes_once(faults):
    faults.worker.start(PCC_TEST_EXPORT_DELAY="60")  # a build far longer than the test waits
    job = exports.request_export(kind=slow_export.KIND, params={"n": 1}, title="Slow", by=grants_officer())
    wait_for(lambda: faults.builds() == (1, 0), 30, "the worker never started the build")
    faults.worker.kill9()
    job.refresh_from_db()
    assert job.status == ExportJob.Status.PENDING and job.started_at is not None
    assert open_messages() == 1  # its message was never acknowledged

    faults.worker.start()  # builds at full speed
    # Within the lease the job may still be building somewhere: nothing takes it over.
    assert exports.requeue_abandoned_jobs() == 0
    time_passes(LEASE + datetime.timedelta(minutes=1))
    assert exports.requeue_abandoned_jobs() == 1
    assert outbox.dispatch_pending() == 1
    assert outbox.dispatch_pending() == 0  # beat firing twice
    wait_for(lambda: open_messages() == 0, 30, "the new worker did not finish the export")
    faults.wait_until_idle("the worker did not go idle after the export")

    redeliver_every_message(faults.sender)  # the lost copy turning up after all
    faults.wait_until_idle("the worker did not go idle after the redelivery")
    time_passes(datetime.timedelta(days=1))
    assert exports.requeue_abandoned_jobs() == 0 and outbox.dispatch_pending() == 0

    job.refresh_from_db()
    started, finished = faults.builds()
    stuck = ExportJob.objects.exclude(status=ExportJob.Status.READY).count()
    report(
        "worker killed mid-export",
        lost=stuck,
        duplicated=finished - 1,
        errors=0,
        extra=f"builds started {started}, finished {finished}; job {job.status}; {open_messages()} unfinished",
    )
    assert job.status == ExportJob.Status.READY and job.file
    assert (started, finished, stuck) == (2, 1, 0)


def test_a_worker_killed_mid_batch_of_emails_sends_each_once(faults):
    applications = [complete_application() for _ in range(6)]
    # Submitted while no worker runs: six status emails wait in Redis for the (slow) worker to start.
    from applications import services

    for application in applications:
        services.submit_application(application_id=application.pk, by=application.created_by)
    assert open_messages() == 6

    faults.worker.start(PCC_TEST_MAIL_DELAY="0.5")
    wait_for(
        lambda: faults.mailbox.total() >= 2 and faults.mailbox.sending(),
        30,
        "the worker never got going on the batch",
    )
    faults.worker.kill9()
    sent_before = faults.mailbox.total()
    assert 2 <= sent_before < 6 and open_messages() > 0

    faults.worker.start()
    # The message the dead worker held is in Redis's unacknowledged set for hours (the visibility timeout); the
    # outbox sends it again once its backoff has passed.
    time_passes(outbox.REDISPATCH_AFTER + datetime.timedelta(seconds=1))
    outbox.dispatch_pending()
    assert outbox.dispatch_pending() == 0
    wait_for(lambda: open_messages() == 0, 30, "the new worker did not finish the batch")
    faults.wait_until_idle("the worker did not go idle after the batch")
    redelivered = redeliver_every_message(faults.sender)
    faults.wait_until_idle("the worker did not go idle after the redeliveries")

    owed, sent = expected_emails(), faults.mailbox.sent()
    lost, duplicated = lost_and_duplicated(owed, sent)
    report(
        "worker killed mid-batch of emails",
        lost=lost + unsent_marks(),
        duplicated=duplicated,
        errors=0,
        extra=f"{sum(owed.values())} owed, {sent_before} sent before the kill, {sum(sent.values())} in all; "
        f"{redelivered} messages delivered twice",
    )
    assert (lost, duplicated, unsent_marks()) == (0, 0, 0), (owed, sent)
    assert len(owed) == 6
