"""Test harness: PostgreSQL and Redis from the environment, a real Celery worker where a test asks for one, and
Debian's Chromium driven by Playwright for browser tests, with axe-core for accessibility."""

import os
import uuid

import pytest

pytest_plugins = (
    "celery.contrib.pytest",
    "tests.browser.fixtures",
    "tests.robustness.report",
    "tests.demo_database",
    "tests.money_guard",  # every money change along a request, task or command has an audit event (issue 12)
)

# Playwright's sync API runs an event loop in the test thread; Django must allow its ORM there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _redis_db_for_worker() -> int:
    # Each xdist worker gets its own Redis database, so one worker never consumes another's tasks.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw-1")
    return 1 + (int(worker[2:]) + 1 if worker[2:].lstrip("-").isdigit() else 0) % 14


@pytest.fixture(scope="session")
def redis_url() -> str:
    base = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]
    return f"{base}/{_redis_db_for_worker()}"


@pytest.fixture(scope="session")
def celery_config(redis_url):
    """A queue of this session's own as well: sessions run side by side (two developers' runs, say) share Redis,
    and on a shared queue one session's worker would take the other's tasks."""
    queue = f"pcc-tests-{uuid.uuid4().hex[:12]}"
    yield {
        "task_default_queue": queue,
        "broker_url": redis_url,
        "result_backend": None,
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "broker_connection_retry_on_startup": True,
    }
    import redis

    redis.Redis.from_url(redis_url).delete(
        queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
    )


@pytest.fixture(scope="session")
def celery_worker_parameters():
    # The ping check needs a result backend; our tasks record their outcome in the database instead.
    return {"perform_ping_check": False}


@pytest.fixture(scope="session")
def celery_includes():
    from django.apps import apps

    modules = []
    for config in apps.get_app_configs():
        try:
            __import__(f"{config.name}.tasks")
        except ModuleNotFoundError:
            continue
        modules.append(f"{config.name}.tasks")
    return modules


@pytest.fixture(autouse=True)
def _tasks_run_in_process_unless_a_worker_is_asked_for(request, settings):
    """Most tests run tasks in-process; a test that takes the `celery_worker` fixture gets a real worker on Redis."""
    from celery._state import _set_task_join_will_block, task_join_will_block

    from pcc_grants.celery import app

    eager = "celery_worker" not in request.fixturenames
    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = eager
    app.conf.task_eager_propagates = eager
    # Starting a worker in this process (a test that runs one) sets Celery's process-wide "we are inside a worker"
    # flag and leaves it set, so a later test's eager `.delay(...).get()` raised "Never call result.get() within a
    # task" or not, depending on which tests this xdist worker happened to run first. Each test starts without it.
    joins_blocked = task_join_will_block()
    _set_task_join_will_block(False)
    yield
    _set_task_join_will_block(joins_blocked)
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous
    # The outbox publishes through Celery's `current_app`. A test that makes a bare `Celery(...)` without
    # `set_as_current=False` leaves it current, and every later test in this process then sends its tasks to that
    # app's broker, where no worker listens: it failed a fault test two files later, and only in the full run.
    from celery import current_app

    if current_app._get_current_object() is not app:
        app.set_current()
        pytest.fail(
            "this test left another Celery app current: create it with Celery(..., set_as_current=False)"
        )


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Hashing strength is not what the tests are about; the default hasher makes each user take ~0.3s.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


@pytest.fixture
def staff_user(db):
    from tests.factories import UserFactory

    return UserFactory(is_staff=True, is_superuser=True, email="finance@opcc.example")


@pytest.fixture
def _demo_database_switch(request, django_db_blocker):
    from tests.demo_database import database_for_this_test

    yield from database_for_this_test(request, django_db_blocker)


@pytest.fixture
def _django_db_helper(_demo_database_switch, _django_db_helper):
    """pytest-django's fixture that opens each test's transaction (or flushes after a transactional test), run after
    `_demo_database_switch`: a test that asks for the demo is pointed at the session's demo database first, and
    pointed back only after its transaction is rolled back (tests/demo_database.py)."""
    yield


def _demo(request, settings, stage: str) -> dict:
    from funds.models import FinancialYear, Office
    from tests import demo_database

    if demo_database.has_templates():
        template = request.getfixturevalue("demo_templates").get(stage)
        demo_database.copy_demo_files(template, settings.STORAGES["default"]["OPTIONS"]["location"])
    else:
        demo_database.load_stage(stage)
    return {"office": Office.objects.get(), "year": FinancialYear.objects.get(start_year=2024)}


@pytest.fixture
def demo_data(db, request, settings):
    """Funds' demo: the office, its areas and streams and every 2024/25 budget (funds/demo.py), built once per session
    (tests/demo_database.py). Returns the office and the demo year."""
    return _demo(request, settings, "funds")


@pytest.fixture
def demo_grants(db, request, settings):
    """Funds' demo and the applications demo on top (applications/demo.py)."""
    return _demo(request, settings, "grants")


@pytest.fixture
def full_demo(db, request, settings):
    """Everything `manage.py load_demo_data` loads, logins included (demo/loader.py)."""
    return _demo(request, settings, "full")


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture(scope="session", autouse=True)
def _cache_of_this_session():
    """Rate-limit counters and wrong-code counts live in the cache. On the shared Redis each test session and xdist
    worker gets a key prefix of its own, so parallel runs never count each other's requests."""
    from django.conf import settings as django_settings
    from django.test import override_settings

    prefix = f"pcc-tests-{uuid.uuid4().hex[:12]}-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    override = override_settings(
        CACHES={"default": {**django_settings.CACHES["default"], "KEY_PREFIX": prefix}}
    )
    override.enable()
    yield prefix
    _empty_cache(prefix)
    override.disable()


def _empty_cache(prefix: str) -> None:
    from django.conf import settings as django_settings
    from django.core.cache import cache

    config = django_settings.CACHES["default"]
    if config["BACKEND"].endswith("RedisCache"):
        # Never cache.clear() on Redis: it flushes the whole database, other sessions' keys and queues included.
        import redis

        client = redis.Redis.from_url(config["LOCATION"])
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _empty_cache_after_each_test(_cache_of_this_session):
    """Each test starts with no requests counted: one test's sign-ups or wrong codes never limit another's."""
    yield
    _empty_cache(_cache_of_this_session)


@pytest.fixture(autouse=True)
def _force_login_passes_two_factor(monkeypatch):
    """`force_login` is a test-only way in, so it also marks the session's second factor as checked: tests about
    other things need no authenticator app. The 2FA tests (tests/accounts) sign in for real with a password and a
    code, and browser tests' sign_in copies a force_login session, so it is covered too."""
    from django.test import Client

    from accounts.two_factor import VERIFIED_SESSION_KEY

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        session = self.session
        session[VERIFIED_SESSION_KEY] = True
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


# The files that take longest, started first: `--dist loadfile` hands files to the two workers in collection order, so
# a long file collected last keeps one worker busy after the other has finished (the suite's tail). Longest first
# lets the short files fill in around them. The durations are from `./scripts/test --durations=30`; a file missing
# from the list only runs in its usual place.
SLOW_FILES_FIRST = (
    "tests/test_benchmark_smoke.py",
    "tests/robustness/test_walk_as_finance.py",
    "tests/browser/test_demo_as_loaded.py",
    "tests/robustness/test_walk_as_other_staff.py",
    "tests/robustness/test_walk_as_the_public.py",
    "tests/test_admin_query_counts.py",
    "tests/test_scale_data.py",
    "tests/browser/test_application_journey.py",
    "tests/browser/test_running_a_year.py",
    "tests/outbox/test_outbox.py",
    "tests/audit/test_merging_the_trails.py",
    "tests/test_embedded_default.py",
    "tests/test_role_matrix.py",
    "tests/browser/test_round_form_builder.py",
    "tests/browser/test_phone_widths.py",
    "tests/browser/test_grant_reports.py",
    "tests/browser/test_provider_returns.py",
)


def pytest_collection_modifyitems(config, items):
    rank = {path: n for n, path in enumerate(SLOW_FILES_FIRST)}

    def file_rank(item):
        return rank.get(item.nodeid.split("::", 1)[0], len(rank))

    items.sort(key=file_rank)  # stable: within a file, and among the rest, the order is unchanged
