"""The transactional outbox: work that must leave the app after a commit (an email, an export build) is never lost.

1. Write. `send_after_commit("app.tasks.name", *args)` writes a Message row in the caller's transaction, so the work
   is recorded if and only if the change that asked for it commits.
2. Hand over. On commit, the row is handed to Celery. If the broker is away, the error is logged on the row and
   swallowed: the change has committed, so the person who made it must not see an error page. The row stays due.
3. Sweep. `dispatch_pending` (beat, every minute) hands over every row not done whose time has come: one the broker
   refused, or one handed over but never finished (lost in a Redis that restarted, or held by a worker that was
   killed). Each hand-over waits twice as long as the one before for the task to finish, up to MAX_ATTEMPTS.
4. Acknowledge. The task calls `acknowledge(outbox_id)` once its work is done, which takes the row out of the sweep.

So a message can arrive twice (the sweep re-sends one that was only slow), and every task sent this way must be
idempotent: it claims its work by a row (a sent-at mark, a job's status) and does nothing the second time.

Tasks are named, never imported: this app sits below every app whose tasks it sends.
"""

import datetime
import logging
from functools import partial

from celery import current_app
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import Message

log = logging.getLogger(__name__)

# The commit's own hand-over has this long before the sweep may also send a row.
GRACE = datetime.timedelta(minutes=1)
# After a hand-over, the task has this long to acknowledge before the sweep sends it again; doubled each time.
REDISPATCH_AFTER = datetime.timedelta(minutes=5)
REDISPATCH_AFTER_MAX = datetime.timedelta(hours=6)
# Handed over this many times and never finished: the task itself is failing. The sweep stops; the row waits in the
# admin (Outbox > Messages, "not finished") for someone to look at the error and send it again.
MAX_ATTEMPTS = 10
# Rows handed over by one sweep, oldest first; the next minute's sweep takes the rest.
SWEEP_LIMIT = 500


def send_after_commit(task_name: str, *args: object, key: str | None = None) -> Message:
    """Record that `task_name(*args)` must run once the current transaction commits, and hand it to Celery then.

    The task receives `outbox_id=<the row's id>` as a keyword and must call `acknowledge(outbox_id)` when done. With
    `key`, a second call with the same key writes nothing and returns the first message."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("send_after_commit() must be called inside the transaction that makes the change")
    fields = {"task_name": task_name, "args": list(args), "next_attempt_at": timezone.now() + GRACE}
    if key is None:
        message = Message.objects.create(**fields)
    else:
        # get_or_create's own savepoint keeps a racing duplicate from breaking the caller's transaction.
        message, created = Message.objects.get_or_create(key=key, defaults=fields)
        if not created:
            return message
    # robust: nothing that happens after the commit (the broker, even the database) may turn it into an error page.
    transaction.on_commit(partial(_hand_over, message.pk, task_name, list(args), 0), robust=True)
    return message


def send_now(task_name: str, *args: object) -> Message:
    """Write the message and hand it to Celery at once, not on commit: for work whose rows have already committed,
    such as a beat task queuing the reminder claims it made earlier. If the broker refuses it, the sweep sends it."""
    message = Message.objects.create(
        task_name=task_name, args=list(args), next_attempt_at=timezone.now() + GRACE
    )
    _hand_over(message.pk, task_name, list(args), 0)
    return message


def acknowledge(outbox_id: int | None) -> None:
    """The task sent as `outbox_id` has finished its work: stop sending it. None (a task called directly) is a no-op."""
    if outbox_id is not None:
        Message.objects.filter(pk=outbox_id, done_at__isnull=True).update(done_at=timezone.now())


def dispatch_pending(*, now: datetime.datetime | None = None, limit: int = SWEEP_LIMIT) -> int:
    """Hand over every message not done whose time has come. Returns how many the broker took.

    Safe to run twice at once: each run takes its rows with SKIP LOCKED and moves their next attempt on before it
    lets go of them, so the other run finds them not due."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(done_at__isnull=True, next_attempt_at__lte=now, attempts__lt=MAX_ATTEMPTS)
            .order_by("next_attempt_at", "pk")[:limit]
        )
        Message.objects.filter(pk__in=[m.pk for m in due]).update(next_attempt_at=now + GRACE)
    # Outside the transaction: a worker may acknowledge a message before this function has moved on.
    for sent, message in enumerate(due):
        if not _hand_over(message.pk, message.task_name, message.args, message.attempts):
            # The broker is away: the rest would fail the same way, one connection timeout each. All stay due.
            Message.objects.filter(pk__in=[m.pk for m in due[sent:]]).update(next_attempt_at=timezone.now())
            return sent
    return len(due)


def resend_now(task_name: str, *args: object) -> int:
    """Make the messages for `task_name(*args)` that are still being sent due at the next sweep. Returns how many
    there were: 0 means none is in flight, and the caller should write a new one if the work is still wanted."""
    return Message.objects.filter(
        task_name=task_name, args=list(args), done_at__isnull=True, attempts__lt=MAX_ATTEMPTS
    ).update(next_attempt_at=timezone.now())


def send_again(message_ids: list[int]) -> int:
    """An operator's "send again" (the admin): messages the sweep gave up on, or not yet due, go at the next sweep."""
    return Message.objects.filter(pk__in=message_ids, done_at__isnull=True).update(
        attempts=0, next_attempt_at=timezone.now()
    )


def purge_done(*, older_than: datetime.timedelta = datetime.timedelta(days=14)) -> int:
    """Delete messages finished more than `older_than` ago; they are kept a while to show what went out."""
    deleted, _ = Message.objects.filter(done_at__lt=timezone.now() - older_than).delete()
    return deleted


def _backoff(attempts: int) -> datetime.timedelta:
    return min(REDISPATCH_AFTER * 2 ** max(attempts - 1, 0), REDISPATCH_AFTER_MAX)


def _hand_over(message_id: int, task_name: str, args: list, attempts: int) -> bool:
    """Give the message to Celery. False, with the error logged on the row, if that failed."""
    try:
        _send(message_id, task_name, args)
    except Exception as exc:  # any failure here comes after the commit, and the row keeps the work
        log.warning(
            "Outbox message %s (%s) was not handed over, so the sweep will send it: %r",
            message_id,
            task_name,
            exc,
        )
        Message.objects.filter(pk=message_id).update(
            last_error=f"{type(exc).__name__}: {exc}"[:2000], next_attempt_at=timezone.now()
        )
        return False
    now = timezone.now()
    Message.objects.filter(pk=message_id).update(
        dispatched_at=now,
        attempts=F("attempts") + 1,
        next_attempt_at=now + _backoff(attempts + 1),
        last_error="",
    )
    return True


def _send(message_id: int, task_name: str, args: list) -> None:
    app = current_app
    options = {"args": args, "kwargs": {"outbox_id": message_id}}
    task = app.tasks.get(task_name)
    if task is None:
        # A web process has not imported every app's tasks module (a worker does at start): Celery's autodiscovery
        # does, and without it an in-process (eager) run would quietly become a message nobody takes.
        app.loader.import_default_modules()
        task = app.tasks.get(task_name)
    if task is not None:
        # The registered task's own apply_async: with task_always_eager (no REDIS_URL) it runs here and now.
        task.apply_async(**options)
    else:
        app.send_task(task_name, **options)
