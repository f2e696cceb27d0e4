"""/healthz says only "ok" or "error" to anyone, within 2 s whatever hangs behind it; /healthz/details names each
check for staff who may read the audit trail or a monitor with the token."""

import socket
import threading
import time

import pytest
from django.contrib.auth.models import Permission

from pcc_grants import health
from pcc_grants.tasks import heartbeat
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_up(settings, redis_url):
    settings.REDIS_URL = redis_url
    return redis_url


@pytest.fixture
def auditor(client):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="view_auditevent", content_type__app_label="audit")
    )
    client.force_login(user)
    return client


@pytest.fixture
def silent_server():
    """A server that accepts connections and never says a word: a database or Redis that has hung."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held, stop = [], threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


def test_the_public_answer_is_only_ok_when_the_database_and_redis_answer(client, redis_up):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_the_public_answer_is_only_error_when_redis_is_down_naming_no_host_or_port(client, settings):
    settings.REDIS_URL = DEAD_REDIS
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error"}
    assert b"127.0.0.1" not in response.content and b"6379" not in response.content


def test_healthz_answers_within_two_seconds_when_the_database_accepts_and_never_replies(
    client, redis_up, silent_server, monkeypatch
):
    hung = {**health.database_settings(), "HOST": "127.0.0.1", "PORT": str(silent_server)}
    monkeypatch.setattr(health, "database_settings", lambda: hung)
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 2.5
    assert (response.status_code, response.json()) == (503, {"status": "error"})


def test_the_details_answer_within_two_seconds_when_redis_accepts_and_never_replies(
    auditor, settings, silent_server
):
    settings.REDIS_URL = f"redis://127.0.0.1:{silent_server}/0"
    started = time.monotonic()
    response = auditor.get("/healthz/details")
    assert time.monotonic() - started < 2.5
    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["status"] == "error"
    assert response.json()["checks"]["database"]["status"] == "ok"


def test_the_details_name_each_check_for_staff_who_may_read_the_audit_trail(auditor, redis_up):
    heartbeat()
    body = auditor.get("/healthz/details").json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["redis"] == {"status": "ok"}
    assert body["checks"]["worker"]["status"] == "ok"
    assert body["checks"]["worker"]["last_task_seconds_ago"] <= 5


def test_a_worker_that_has_not_run_the_heartbeat_lately_shows_in_the_details_only(
    client, auditor, redis_up, settings
):
    health.record_heartbeat(now=time.time() - settings.HEALTHZ_WORKER_LATE_AFTER - 60)
    response = auditor.get("/healthz/details")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["status"] == "error"
    # Pages still work without a worker, so a load balancer is not told to take the site away.
    assert client.get("/healthz").status_code == 200


def test_the_details_are_not_for_the_public_nor_for_staff_without_the_audit_trail(client, redis_up):
    assert client.get("/healthz/details").status_code == 302  # to sign in
    client.force_login(UserFactory(is_staff=True))
    assert client.get("/healthz/details").status_code == 403


def test_a_monitor_with_the_token_gets_the_details_and_a_wrong_token_does_not(client, redis_up, settings):
    settings.HEALTHZ_TOKEN = "monitor-token-of-enough-length"
    good = client.get("/healthz/details", HTTP_AUTHORIZATION="Bearer monitor-token-of-enough-length")
    assert "checks" in good.json()
    assert client.get("/healthz/details", HTTP_AUTHORIZATION="Bearer guessed").status_code == 302


def test_no_token_is_accepted_when_none_is_set(client, redis_up, settings):
    settings.HEALTHZ_TOKEN = ""
    assert client.get("/healthz/details", HTTP_AUTHORIZATION="Bearer ").status_code == 302


def test_the_broker_is_not_configured_in_the_embedded_default(auditor, settings):
    settings.REDIS_URL = ""
    checks = auditor.get("/healthz/details").json()["checks"]
    assert checks["redis"]["status"] == "not configured"
    assert checks["worker"]["status"] == "not configured"


def test_beat_sends_the_heartbeat_every_minute_to_a_registered_task(settings):
    from pcc_grants.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["worker-heartbeat"]
    assert entry["task"] == "pcc_grants.tasks.heartbeat" and entry["schedule"] == 60
    assert entry["task"] in app.tasks
    assert entry["schedule"] * 5 == settings.HEALTHZ_WORKER_LATE_AFTER  # five missed beats before it is late


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_taking_the_heartbeat_turns_the_worker_check_ok(auditor, redis_up, celery_worker):
    assert auditor.get("/healthz/details").json()["checks"]["worker"]["status"] == "error"  # none has yet
    heartbeat.delay()
    deadline, worker = time.monotonic() + 20, {}
    while time.monotonic() < deadline:
        worker = auditor.get("/healthz/details").json()["checks"]["worker"]
        if worker["status"] == "ok":
            break
        time.sleep(0.2)
    assert worker["status"] == "ok" and worker["last_task_seconds_ago"] <= 20
