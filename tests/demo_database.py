"""The demo, built once per test session (per xdist worker) in a database of its own, instead of in every test that
needs it.

`load_demo()` fills a copy of the freshly migrated test database, `<test db>_demo`, once. A test that asks for
`demo_data` then runs on that database: an ordinary test inside pytest-django's transaction, rolled back as usual, so
the next test finds the demo untouched; a transactional test (live server, real Celery worker) on a copy of its own,
made by PostgreSQL from the template in well under a second and dropped afterwards. The files the demo saved are
copied into each test's own private storage.

The switch has to happen before pytest-django opens the test's transaction and after it rolls it back, so
tests/conftest.py wraps pytest-django's `_django_db_helper` with `database_for_this_test` below."""

import shutil
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connections

# Fixture -> how much of the demo it gives, smallest first. Each is a template database of its own, built the first
# time a test of this session asks for it.
STAGES = {
    "demo_data": "funds",  # the office, areas, streams and every budget of the 2024/25 report (funds/demo.py)
    "demo_grants": "grants",  # and the demo's organisations, rounds, applications and awards (applications/demo.py)
    "full_demo": "full",  # everything `manage.py load_demo_data` loads, logins included (demo/loader.py)
}


@dataclass(frozen=True)
class DemoTemplate:
    database: str
    files: Path


def _current() -> str:
    return connections["default"].settings_dict["NAME"]


def use_database(name: str) -> None:
    """Point Django's default connection at another database. Every thread's connection reads this same settings
    dict, so the live server's request threads follow too (they connect per request)."""
    from django.contrib.contenttypes.models import ContentType

    connections.close_all()
    connections["default"].settings_dict["NAME"] = name
    # Content types are cached per process by id, and the ids differ between databases once a transactional test has
    # flushed one (post_migrate makes them anew): a cached id from the other database breaks foreign keys.
    ContentType.objects.clear_cache()


def _admin():
    params = connections["default"].get_connection_params()
    params["dbname"] = "postgres"
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params, autocommit=True)


def copy_database(source: str, target: str) -> None:
    with _admin() as admin:
        # CREATE DATABASE ... TEMPLATE needs the source to itself: a request thread of a live server or a worker of an
        # earlier test may still hold an idle connection.
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [source],
        )
        admin.execute(f'DROP DATABASE IF EXISTS "{target}"')
        admin.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')


def drop_database(name: str) -> None:
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def load_stage(stage: str) -> None:
    from applications import demo as applications_demo
    from demo.loader import load_demo
    from funds import demo as funds_demo

    if stage == "full":
        load_demo()
        return
    funds_demo.load()
    if stage == "grants":
        applications_demo.load()


def build_template(base: str, stage: str, files: Path) -> DemoTemplate:
    from django.test import override_settings

    from pcc_grants.celery import app

    name = f"{base}_demo_{stage}"
    copy_database(base, name)
    use_database(name)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True  # nothing the demo schedules may reach the broker
    try:
        with override_settings(
            # The same hasher as every test (tests/conftest.py), or the demo logins' passwords could not be checked.
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            STORAGES={
                **settings.STORAGES,
                "default": {
                    "BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": files, "base_url": None},
                },
            },
            MAILERS={"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}},
        ):
            load_stage(stage)
    finally:
        app.conf.task_always_eager = eager
        use_database(base)
    return DemoTemplate(database=name, files=files)


class DemoTemplates:
    """This session's demo databases, built on first use and dropped at the end of the session."""

    def __init__(self, blocker, files: Path):
        self.blocker = blocker
        self.files = files
        self.built: dict[str, DemoTemplate] = {}

    def get(self, stage: str) -> DemoTemplate:
        if stage not in self.built:
            with self.blocker.unblock():
                self.built[stage] = build_template(_current(), stage, self.files / stage)
        return self.built[stage]

    def drop_all(self) -> None:
        with self.blocker.unblock():
            for template in self.built.values():
                drop_database(template.database)


@pytest.fixture(scope="session")
def demo_templates(django_db_setup, django_db_blocker, tmp_path_factory):
    templates = DemoTemplates(django_db_blocker, tmp_path_factory.mktemp("demo-files"))
    yield templates
    templates.drop_all()


def has_templates() -> bool:
    """Template databases are PostgreSQL's. On another database (a run without DATABASE_URL uses SQLite) each test
    that asks for the demo loads it into its own transaction instead, slower but the same rows."""
    return connections["default"].vendor == "postgresql"


def stage_wanted(request) -> str | None:
    """The largest demo any fixture of this test asks for."""
    wanted = [stage for fixture, stage in STAGES.items() if fixture in request.fixturenames]
    return wanted[-1] if wanted else None


def is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(
        (marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
        or "transactional_db" in request.fixturenames
        or "live_server" in request.fixturenames
        or "django_db_reset_sequences" in request.fixturenames
    )


def database_for_this_test(request, django_db_blocker):
    """A generator for tests/conftest.py's wrapper of pytest-django's `_django_db_helper`."""
    stage = stage_wanted(request)
    if stage is None or not has_templates():
        yield
        return
    template = request.getfixturevalue("demo_templates").get(stage)
    base = _current()
    with django_db_blocker.unblock():
        if is_transactional(request):
            name = f"{template.database}_{request.node.nodeid.__hash__() & 0xFFFF:x}"
            copy_database(template.database, name)
            use_database(name)
            try:
                yield
            finally:
                use_database(base)
                drop_database(name)
        else:
            use_database(template.database)
            try:
                yield
            finally:
                use_database(base)


def copy_demo_files(template: DemoTemplate, location) -> None:
    if template.files.exists():  # funds' demo saves no files
        shutil.copytree(template.files, location, dirs_exist_ok=True)
