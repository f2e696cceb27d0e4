"""The demo data as `./scripts/demo` loads it (the session's demo database, tests/demo_database.py), with the walk's
people added once for the module inside a transaction that is rolled back at the end; each test runs in a savepoint
on top of it (pytest-django's `db`), and each POST in a savepoint of its own.
"""

import logging

import pytest
from django.db import connection, transaction
from django.test import Client, override_settings

from tests.demo_database import copy_demo_files, use_database

from .world import load_demo_and_people


@pytest.fixture(scope="module")
def robustness_storage(tmp_path_factory):
    return tmp_path_factory.mktemp("robustness-private")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, robustness_storage, demo_templates):
    if connection.vendor != "postgresql":
        pytest.skip("the robustness harness reads PostgreSQL's per-transaction write counters")
    demo = demo_templates.get("full")
    copy_demo_files(demo, robustness_storage)
    base = connection.settings_dict["NAME"]
    with django_db_blocker.unblock():
        use_database(demo.database)
    try:
        with (
            django_db_blocker.unblock(),
            override_settings(
                PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
                **_storage(robustness_storage),
            ),
            transaction.atomic(),
        ):
            loaded = load_demo_and_people()
            yield loaded
            transaction.set_rollback(True)
    finally:
        with django_db_blocker.unblock():
            use_database(base)


def _storage(location) -> dict:
    from django.conf import settings

    return {
        "STORAGES": {
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": location, "base_url": None},
            },
        },
        "MAILERS": {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}},
    }


@pytest.fixture(autouse=True)
def _private_storage(settings, robustness_storage):
    """Overrides tests/conftest.py's: the demo's files were saved once for the module, so every test reads them there."""
    for name, value in _storage(robustness_storage).items():
        setattr(settings, name, value)


@pytest.fixture(autouse=True)
def _quiet_request_log():
    # Each 5xx is collected with its exception line; Django's log of the full traceback would only slow the run.
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


@pytest.fixture
def client_for(world, db):
    """A browser for one role: a real CSRF check, and a 500 answered as a 500 rather than raised into the test."""

    def make(role: str) -> Client:
        client = Client(enforce_csrf_checks=True, raise_request_exception=False)
        user = world.users[role]
        if user is not None:
            client.force_login(user)  # tests/conftest.py marks the second factor as checked
        return client

    return make


@pytest.fixture
def record_harness(record_property):
    def record(probe):
        record_property("robustness_requests", probe.requests)
        record_property("robustness_server_errors", probe.server_errors)
        record_property("robustness_findings", len(probe.findings))

    return record
