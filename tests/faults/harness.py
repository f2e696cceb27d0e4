"""Real processes for the fault tests: a private Redis a test can stop and start again, a Celery worker a test can
`kill -9` and start again, and mail counted across processes.

Nothing here is shared with other tests or other sessions: the Redis server is this test's own, on a free port in
a temporary directory, so stopping it hurts nobody else, and the worker reads only that Redis and the test's own
PostgreSQL database (a transactional test's, so the worker sees what the test commits).
"""

import os
import re
import signal
import socket
import subprocess
from collections import Counter
from pathlib import Path

import redis
from django.conf import settings

from tests.worker_drain import wait_for, wait_until_workers_idle

ROOT = Path(__file__).resolve().parents[2]
CELERY = ROOT / ".venv" / "bin" / "celery"
QUEUE = "celery"  # the project's default queue: the settings name none


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """`redis-server` on a port of its own, no persistence: stopped and started again it comes back empty, as a
    production Redis without persistence does after a restart (anything queued in it is gone)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=2)

    def start(self) -> "PrivateRedis":
        assert self.process is None or self.process.poll() is not None, "Redis is already running"
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def answers() -> bool:
            try:
                return self.client().ping()
            except redis.ConnectionError:
                return False

        wait_for(answers, timeout=10, message=f"redis-server on port {self.port} did not start")
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """SIGTERM (a clean shutdown) or SIGKILL; either way, nothing answers on the port afterwards."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=10)

    def is_down(self) -> bool:
        try:
            self.client().ping()
        except redis.ConnectionError:
            return True
        return False


def database_url() -> str:
    """The test's own database (a transactional test's `test_...`), for a worker in another process."""
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """`celery -A pcc_grants worker --pool=solo` in its own process, on the private Redis and the test database,
    sending mail to files and keeping private files where the test process keeps them."""

    def __init__(self, broker: str, mail_dir: Path, storage_dir: Path, export_log: Path):
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": broker,
            "DJANGO_SETTINGS_MODULE": "tests.faults.worker_settings",
            "PCC_TEST_MAIL_DIR": str(mail_dir),
            "PCC_TEST_STORAGE_DIR": str(storage_dir),
            "PCC_TEST_EXPORT_LOG": str(export_log),
        }
        self.log_dir = mail_dir.parent
        self.processes: list[subprocess.Popen] = []

    def start(self, **env: str) -> subprocess.Popen:
        assert not self.running(), "a worker is already running"
        log = (self.log_dir / f"worker-{len(self.processes)}.log").open("w")
        process = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "pcc_grants",
                "worker",
                "--pool=solo",
                "-Q",
                QUEUE,
                "--loglevel=WARNING",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"faults-{len(self.processes)}@%h",
            ],
            cwd=ROOT,
            env={**self.env, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process

    def running(self) -> bool:
        return bool(self.processes) and self.processes[-1].poll() is None

    def kill9(self) -> None:
        process = self.processes[-1]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        """At the end of a test: killed outright, which is quicker than a warm shutdown and loses nothing the test
        still needs (its counts are taken)."""
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)

    def logs(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.log_dir.glob("worker-*.log")))


class Mailbox:
    """The mail the worker sent, one file per message (tests/providers/mail_to_files.py)."""

    def __init__(self, folder: Path):
        self.folder = folder

    def sent(self) -> Counter:
        """(recipient, subject) -> how many times it was sent."""
        counts = Counter()
        for path in self.folder.glob("*.eml"):
            text = path.read_text()
            to = re.search(r"^To: (.+)$", text, re.M).group(1)
            subject = re.search(r"^Subject: (.+)$", text, re.M).group(1)
            counts[(to, subject)] += 1
        return counts

    def total(self) -> int:
        return sum(self.sent().values())

    def sending(self) -> bool:
        return any(self.folder.glob("sending-*"))


class Faults:
    """One test's world: private Redis, a worker (not started until the test asks), mail and export logs."""

    def __init__(self, tmp_path: Path, storage_dir: Path):
        for name in ("redis", "mail", "exports"):
            (tmp_path / name).mkdir(parents=True)
        self.redis = PrivateRedis(tmp_path / "redis").start()
        self.mailbox = Mailbox(tmp_path / "mail")
        self.export_log = tmp_path / "exports"
        self.worker = Worker(self.redis.url, tmp_path / "mail", storage_dir, self.export_log)
        self._sender = None

    def builds(self) -> tuple[int, int]:
        """(started, finished) builds of the slow export kind, across every worker that ran."""
        return len(list(self.export_log.glob("started-*"))), len(list(self.export_log.glob("finished-*")))

    @property
    def sender(self):
        """A bare Celery app on the private Redis: to send a task by name, or ask the worker whether it is idle. Not
        made Celery's current app: the outbox publishes through `current_app`, which must stay the project's."""
        if self._sender is None:
            from celery import Celery

            self._sender = Celery(broker=self.redis.url, set_as_current=False)
        return self._sender

    def wait_until_idle(self, message: str, timeout: float = 30) -> None:
        """The queue is empty and the worker has nothing running, reserved or waiting on a countdown."""
        wait_until_workers_idle(self.sender, self.redis.client(), QUEUE, 1, timeout, message)

    def close(self) -> None:
        self.worker.stop_all()
        if self._sender is not None:
            self._sender.close()
        self.redis.stop()


def point_this_process_at(url: str, settings_fixture) -> None:
    """Make this process (the "web" side of the test) publish tasks to `url` rather than run them eagerly, and keep
    its cache (rate limits, two-factor counts) there too, as production does with one Redis for both."""
    from pcc_grants.celery import app

    # The outbox publishes through Celery's `current_app`: make sure it is the project's, whatever an earlier test in
    # this process created.
    app.set_current()
    app.conf.task_always_eager = False
    app.conf.task_eager_propagates = False
    app.conf.broker_url = url
    # The app keeps its broker connections pooled, made from the URL it had: forget them so the next publish
    # connects to this one.
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    settings_fixture.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "faults",
        }
    }


def report(fault: str, *, lost: int, duplicated: int, errors: int, extra: str = "") -> str:
    """The one-line count a fault test prints (and the session summary repeats): what was lost, what was done twice,
    and how many requests whose change had committed answered with an error."""
    line = f"{fault}: {lost} lost, {duplicated} duplicated, {errors} errors after commit"
    if extra:
        line += f"; {extra}"
    print(line)
    REPORTED.append(line)
    return line


REPORTED: list[str] = []


def time_passes(delta) -> None:
    """Move the clock of every outbox message and export job back by `delta`, as if that long had passed since they
    were written: the sweeps' waits (the outbox's grace and backoff, an export's lease) are minutes to hours, and the
    worker reads the real clock, so the rows move rather than the clock."""
    from django.db.models import F

    from exports.models import ExportJob
    from outbox.models import Message

    Message.objects.update(created_at=F("created_at") - delta, next_attempt_at=F("next_attempt_at") - delta)
    Message.objects.filter(dispatched_at__isnull=False).update(dispatched_at=F("dispatched_at") - delta)
    ExportJob.objects.update(requested_at=F("requested_at") - delta)
    ExportJob.objects.filter(started_at__isnull=False).update(started_at=F("started_at") - delta)


def expected_emails() -> Counter:
    """(recipient, subject) of every email the database says is owed: one per status change, committed award and
    invitation, built by the same code the senders use."""
    from applications import notifications
    from applications.models import Award, Invitation, StatusEmail

    owed = Counter()
    rows = [
        (StatusEmail.objects.select_related("event"), notifications.status_change_message),
        (Award.objects.filter(approved_at__isnull=False), notifications.award_letter_message),
        (Invitation.objects.all(), notifications.invitation_message),
    ]
    for queryset, build in rows:
        for row in queryset:
            subject, _, to = build(row)
            if to:
                owed[(",".join(to), subject)] += 1
    return owed


def unsent_marks() -> int:
    """Rows whose email is owed but not marked sent."""
    from applications.models import Award, Invitation, StatusEmail

    return (
        StatusEmail.objects.filter(sent_at__isnull=True).count()
        + Award.objects.filter(approved_at__isnull=False, letter_sent_at__isnull=True).count()
        + Invitation.objects.filter(sent_at__isnull=True).count()
    )


def lost_and_duplicated(owed: Counter, sent: Counter) -> tuple[int, int]:
    lost = sum(max(0, n - sent[key]) for key, n in owed.items())
    duplicated = sum(max(0, n - owed[key]) for key, n in sent.items())
    return lost, duplicated


def open_messages() -> int:
    from outbox.models import Message

    return Message.objects.filter(done_at__isnull=True).count()


def redeliver_every_message(sender) -> int:
    """Hand every outbox message to the broker once more, as a broker redelivery or a sweep that raced would: each
    task must find its work done and do nothing."""
    from outbox.models import Message

    messages = list(Message.objects.values_list("pk", "task_name", "args"))
    for pk, task_name, args in messages:
        sender.send_task(task_name, args=args, kwargs={"outbox_id": pk})
    return len(messages)
