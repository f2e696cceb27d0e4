"""Every statement from the web and the workers is stopped by PostgreSQL after 30 s; commands run by hand are not."""

import importlib.util
import sys
from pathlib import Path

import pytest
from django.db import connection

SETTINGS = Path(__file__).resolve().parents[2] / "pcc_grants" / "settings.py"
POSTGRES = "postgres://pcc@db.internal:5432/pcc_grants"


def _settings_as_run_by(argv: list[str], monkeypatch, **env) -> dict:
    monkeypatch.setattr(sys, "argv", argv)
    monkeypatch.setenv("DATABASE_URL", POSTGRES)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # Loaded afresh as a module (runpy would put its own path in argv[0]).
    spec = importlib.util.spec_from_file_location("settings_under_test", SETTINGS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.DATABASES["default"].get("OPTIONS", {})


@pytest.mark.django_db
def test_this_test_runs_under_the_statement_timeout_as_a_web_request_would():
    if connection.vendor != "postgresql":
        pytest.skip("statement_timeout is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "30s"


@pytest.mark.parametrize(
    "argv",
    [
        [".venv/bin/gunicorn", "pcc_grants.wsgi:application"],
        [".venv/bin/celery", "-A", "pcc_grants", "worker"],
        ["manage.py", "runserver"],
    ],
)
def test_the_web_server_and_workers_have_a_thirty_second_statement_timeout(argv, monkeypatch):
    assert _settings_as_run_by(argv, monkeypatch)["options"] == "-c statement_timeout=30000"


def test_the_timeout_is_set_by_its_variable_and_zero_turns_it_off(monkeypatch):
    options = _settings_as_run_by(["gunicorn"], monkeypatch, DATABASE_STATEMENT_TIMEOUT_MS="5000")
    assert options["options"] == "-c statement_timeout=5000"
    assert "options" not in _settings_as_run_by(["gunicorn"], monkeypatch, DATABASE_STATEMENT_TIMEOUT_MS="0")


@pytest.mark.parametrize("command", ["migrate", "generate_scale_data", "load_demo_data"])
def test_commands_run_by_hand_have_no_statement_timeout(command, monkeypatch):
    assert "options" not in _settings_as_run_by(["manage.py", command], monkeypatch)
