"""Work queued after a commit goes through the outbox: written with the change, never lost when the broker is away,
and done once however often it is sent."""

import datetime
from contextlib import contextmanager

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from applications import services as applications
from applications.models import Invitation
from outbox import services
from outbox.models import Message
from tests.applications.factories import OrganisationFactory, member_of
from tests.worker_drain import TaskLedger

INVITE = "applications.tasks.send_invitation"
LATER = datetime.timedelta(hours=1)


def invite(email="colleague@example.org"):
    organisation = OrganisationFactory()
    return applications.invite_member(organisation=organisation, email=email, by=member_of(organisation))


def _fresh_connections(app) -> None:
    # Celery keeps its broker connections and producers once made; a new URL needs new ones. (The old ones stay
    # open in kombu's shared pools, which other tests use: they are dropped, not closed.)
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def broker_unreachable(app):
    """Point the Celery app at a port nothing listens on, publishing without retries, as when Redis is stopped."""
    saved = app.conf.broker_url, app.conf.task_publish_retry
    app.conf.broker_url, app.conf.task_publish_retry = "redis://127.0.0.1:1/0", False
    _fresh_connections(app)
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.task_publish_retry = saved
        _fresh_connections(app)


@pytest.mark.django_db
def test_the_message_is_written_in_the_changes_transaction_and_rolled_back_with_it(
    django_capture_on_commit_callbacks,
):
    with (
        pytest.raises(RuntimeError),
        django_capture_on_commit_callbacks() as callbacks,
        transaction.atomic(),
    ):
        invite("first@example.org")
        assert Message.objects.filter(task_name=INVITE).count() == 1  # written alongside the invitation
        raise RuntimeError("the change fails after the message was written")
    assert callbacks == []
    assert not Invitation.objects.exists()
    assert not Message.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite("second@example.org")
    message = Message.objects.get()
    assert (message.task_name, message.args) == (INVITE, [invitation.pk])
    assert message.done_at is not None  # run in-process on commit (no Redis in tests), and acknowledged
    assert [m.to for m in mail.outbox] == [["second@example.org"]]


@pytest.mark.django_db(transaction=True)
def test_a_message_cannot_be_written_outside_a_transaction():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        services.send_after_commit(INVITE, 1)
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_the_same_key_writes_the_intent_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = services.send_after_commit(INVITE, 1, key="invitation:1")
        second = services.send_after_commit(INVITE, 1, key="invitation:1")
    assert first.pk == second.pk
    assert Message.objects.count() == 1 and len(callbacks) == 1


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_away_the_change_commits_and_the_email_waits_then_goes_once(
    celery_app, celery_worker
):
    with broker_unreachable(celery_app):
        invitation = invite()  # commits, then fails to reach the broker: no exception reaches the caller
    assert Invitation.objects.filter(pk=invitation.pk, sent_at=None).exists()
    message = Message.objects.get()
    assert (message.dispatched_at, message.done_at, message.attempts) == (None, None, 0)
    assert "OperationalError" in message.last_error
    assert mail.outbox == []

    with TaskLedger() as ledger:
        # The broker is back. The sweep sends what is due; run at once again, it finds nothing due.
        assert services.dispatch_pending(now=timezone.now() + LATER) == 1
        assert services.dispatch_pending() == 0
        ledger.wait_until_drained(timeout=30, message="the worker did not run the invitation's task")
        assert Message.objects.get().done_at is not None
        # As if the worker had died after sending but before acknowledging: the sweep sends it a second time.
        Message.objects.update(done_at=None)
        assert services.dispatch_pending(now=timezone.now() + LATER) == 1
        ledger.wait_until_drained(timeout=30, message="the worker did not run the second copy")

    assert [m.to for m in mail.outbox] == [["colleague@example.org"]]
    message = Message.objects.get()
    assert message.done_at is not None and message.attempts == 2 and message.last_error == ""
    assert Invitation.objects.get(pk=invitation.pk).sent_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_sweep_with_the_broker_away_keeps_every_message_due(celery_app, celery_worker):
    with broker_unreachable(celery_app):
        invite("a@example.org")
        invite("b@example.org")
        assert services.dispatch_pending(now=timezone.now() + LATER) == 0
    assert Message.objects.filter(done_at=None, dispatched_at=None, attempts=0).count() == 2
    assert (
        Message.objects.filter(next_attempt_at__lte=timezone.now()).count() == 2
    )  # the next sweep takes both


@pytest.mark.django_db
def test_a_message_never_finished_is_sent_again_each_time_later_until_the_sweep_gives_up(monkeypatch):
    sent = []
    monkeypatch.setattr(services, "_send", lambda pk, name, args: sent.append(pk))
    with transaction.atomic():
        message = services.send_after_commit(
            INVITE, 1
        )  # its commit never comes here: only the sweep sends it
    now = timezone.now()
    assert services.dispatch_pending(now=now) == 0  # the commit's own hand-over goes first
    waits = []
    for _ in range(services.MAX_ATTEMPTS):
        now += LATER * 7
        assert services.dispatch_pending(now=now) == 1
        message.refresh_from_db()
        waits.append(message.next_attempt_at - message.dispatched_at)
    assert waits[:4] == [datetime.timedelta(minutes=m) for m in (5, 10, 20, 40)]
    assert waits[-1] == services.REDISPATCH_AFTER_MAX
    assert services.dispatch_pending(now=now + LATER * 100) == 0  # given up: the admin shows it
    assert len(sent) == services.MAX_ATTEMPTS

    services.send_again([message.pk])
    assert services.dispatch_pending() == 1


@pytest.mark.django_db
def test_a_task_called_directly_acknowledges_nothing_and_finished_messages_are_purged():
    from applications import tasks

    with transaction.atomic():
        message = services.send_after_commit(INVITE, 1)
    tasks.send_invitation(12345)  # no such invitation, and no outbox id: still works as it always did
    message.refresh_from_db()
    assert message.done_at is None

    services.acknowledge(message.pk)
    Message.objects.update(done_at=timezone.now() - datetime.timedelta(days=15))
    assert services.purge_done() == 1
