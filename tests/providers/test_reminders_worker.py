"""Exactly-once reminders with real Celery workers on Redis and real PostgreSQL transactions.

"Exactly once" here: each (return, kind, recipient) email is delivered one time, whether beat ticks twice, a task is
duplicated, or a worker is killed mid-batch and another one finishes the work. The one window where a duplicate is
still possible (killed after the mail server accepted a message but before COMMIT) is documented in
providers/reminders.py; the slow mail server below makes the test kill the worker while it waits on the server,
which is where a real kill almost always lands.
"""

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.conf import settings
from django.core import mail
from django.utils import timezone

from providers.models import Reminder
from tests.providers.conftest import make_side
from tests.providers.factories import PeriodFactory
from tests.worker_drain import TaskLedger, wait_for, wait_until_workers_idle

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
SUBPROCESS_REDIS_DB = 15  # conftest hands databases 1-14 to in-process workers


def due_today(templates, providers: int):
    from providers import ready_templates
    from tests.factories import FinancialYearFactory

    today = timezone.localdate()
    period = PeriodFactory(
        template=templates[ready_templates.VICTIMS_SERVICES],
        year=FinancialYearFactory(start_year=2024),
        label="Q1 2024/25",
        window_opens_on=today,
        due_on=today,
    )
    return [make_side(f"Provider {n}", period) for n in range(providers)]


def all_claims_sent(expected: int):
    return lambda: (
        Reminder.objects.filter(status="sent").count() == expected
        and not Reminder.objects.filter(status="pending").exists()
    )


def test_beat_ticking_twice_sends_each_reminder_once(celery_app, celery_worker, templates):
    from providers.tasks import send_monitoring_reminders

    sides = due_today(templates, providers=3)
    with TaskLedger() as ledger:
        send_monitoring_reminders.delay()
        send_monitoring_reminders.delay()
        wait_for(all_claims_sent(9), timeout=30, message="the worker did not send the 9 reminders")
        # Every task either tick queued must have run (and found nothing left to do) before "once" can be checked.
        ledger.wait_until_drained(timeout=30, message="the worker did not finish the ticks' tasks")

    sent = Counter((m.to[0], m.subject) for m in mail.outbox)
    assert len(sent) == 9 and set(sent.values()) == {1}
    expected = {
        (email, f"{s.service.name}: Q1 2024/25 monitoring return due today")
        for s in sides
        for email in (s.preparer.email, s.signatory.email, s.provider.contact_email)
    }
    assert set(sent) == expected


def _database_url() -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _start_worker(broker: str, mail_dir: Path, delay: float) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": broker,
        "DJANGO_SETTINGS_MODULE": "tests.providers.worker_settings",
        "PCC_TEST_MAIL_DIR": str(mail_dir),
        "PCC_TEST_MAIL_DELAY": str(delay),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "pcc_grants",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _delivered(mail_dir: Path) -> Counter:
    counts = Counter()
    for path in mail_dir.glob("*.eml"):
        text = path.read_text()
        to = re.search(r"^To: (.+)$", text, re.M).group(1)
        ret, kind = re.search(r"Reference: return (\d+), reminder (\w+)", text).groups()
        counts[(int(ret), kind, to)] += 1
    return counts


def test_a_worker_killed_mid_batch_loses_no_reminder_and_sends_none_twice(templates, tmp_path):
    broker = (
        f"{os.environ.get('REDIS_URL', 'redis://127.0.0.1:6379/0').rsplit('/', 1)[0]}/{SUBPROCESS_REDIS_DB}"
    )
    redis.Redis.from_url(broker).flushdb()
    # Not made Celery's current app: the outbox publishes through `current_app`, which must stay the project's for
    # every test after this one in the same process.
    sender = Celery(broker=broker, set_as_current=False)
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    due_today(templates, providers=4)  # 4 returns x 3 recipients
    workers = []
    try:
        first = _start_worker(broker, mail_dir, delay=0.4)
        workers.append(first)
        sender.send_task("providers.tasks.send_monitoring_reminders")
        wait_for(
            lambda: len(list(mail_dir.glob("*.eml"))) >= 3 and any(mail_dir.glob("sending-*")),
            timeout=60,
            message="the first worker never got going",
        )
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        delivered_before = sum(_delivered(mail_dir).values())
        assert 3 <= delivered_before < 12, "the worker was killed part-way through the batch"
        assert Reminder.objects.filter(status="pending").exists()

        second = _start_worker(broker, mail_dir, delay=0)
        workers.append(second)
        # Beat keeps ticking: each tick re-queues the claims still pending (including the one whose sender died).
        last_tick = [0.0]

        def tick_every_two_seconds():
            if time.monotonic() - last_tick[0] > 2:
                sender.send_task("providers.tasks.send_monitoring_reminders")
                last_tick[0] = time.monotonic()

        wait_for(
            all_claims_sent(12),
            timeout=60,
            message="the second worker did not finish the batch",
            every=0.1,
            on_wait=tick_every_two_seconds,
        )
        # The last ticks' sends may still be queued or running: they must run, and find nothing to send, before
        # the count below means "sent once".
        wait_until_workers_idle(
            sender,
            redis.Redis.from_url(broker),
            "celery",
            workers=1,
            timeout=60,
            message="the worker did not go idle",
        )
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
        redis.Redis.from_url(broker).flushdb()
        sender.close()

    delivered = _delivered(mail_dir)
    assert len(delivered) == 12, delivered
    assert set(delivered.values()) == {1}, (
        f"sent more than once: {[k for k, v in delivered.items() if v > 1]}"
    )
    assert set(Reminder.objects.values_list("monitoring_return_id", "kind", "recipient")) == set(delivered)
