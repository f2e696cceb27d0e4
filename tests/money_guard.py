"""The money guard: over the whole test suite, every change to a money column made along a path a person or the
system has (a request to a view or the admin, a Celery task, a management command) comes with at least one audit
event in the same database transaction. A change that does not fails the test that made it.

How it works, on PostgreSQL only (on SQLite the guard is off):

- Triggers on the money tables and on `audit_auditevent` log each change into an unlogged side table,
  `pcc_guard_log`, with `txid_current()` and the connection's `pcc_guard.ctx` setting. With the setting empty (test
  set-up: factories, fixtures, ORM calls in a test body, the demo loader) the triggers' WHEN clause is false, so
  set-up code costs nothing and is never checked. They are installed once per session in the freshly migrated test
  database, before the demo templates are copied from it, so every demo database and copy has them too.
- Python sets the context: `request_started`/`request_finished` (the test client and the live server's threads),
  Celery's `task_prerun`/`task_postrun` (eager tasks and the in-process test worker) and a wrapper of
  `BaseCommand.execute` push and pop a path on a per-thread stack. An execute wrapper on every connection writes
  the path into `pcc_guard.ctx` (with `set_config`, only when it changes) just before a statement runs.
- "The same transaction": outside tests that is what `txid_current()` says. But an ordinary test runs inside one
  transaction that is rolled back, so every request in it shares one txid. The context therefore also names the
  production transaction the statement would be in: the outermost `atomic` block entered since the path started
  (one token per entry), or, outside any block, the statement alone (autocommit). So a raw `update()` in a view
  followed by a service call is caught in a rolled-back test as it would be in production.
- At the end of each test (before pytest-django rolls back or flushes), a change logged with no audit event logged
  in the same (txid, context) fails the test with the table, row, money columns before and after, and the path.

Not covered: Celery workers started as separate processes by a test (tests/providers/test_reminders_worker.py runs
`celery worker` with tests.providers.worker_settings, which does not import this module), and any other subprocess.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import threading
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

LOG_TABLE = "pcc_guard_log"
SETTING = "pcc_guard.ctx"

# Table -> the columns a change of which is a change of money. An insert or a delete of any of these rows is too.
MONEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "funds_budgetline": ("amount",),
    "funds_commitment": ("amount", "line_id", "released_at"),
    "funds_payment": ("amount", "commitment_id", "line_id"),
    "funds_budgetentry": ("amount", "kind", "budget_id"),
    "applications_award": ("amount", "line_id", "status", "commitment_id"),
}
# Management commands whose whole job is to fill an empty database with seed rows (the demo, the benchmark's scale
# data): they are set-up, like the demo loader the test harness calls directly, not a way to change money.
SEED_COMMANDS = {"load_demo_data", "generate_scale_data"}

UNKNOWN = "\0unknown"  # never a context we want, so the next write sets the setting again
_WRITE = re.compile(r"\b(insert|update|delete|merge|copy|call|do)\b", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------------------------------
# The paths, per thread
# ---------------------------------------------------------------------------------------------------------------------


@dataclass
class Path:
    id: int
    label: str
    # Per connection alias: how many atomic blocks were open when the path started (a test's own transaction, or
    # the request's block an eager task runs in). Blocks entered above that are the path's own transactions.
    baseline: dict[str, int] = field(default_factory=dict)


_counter = itertools.count(1)
_local = threading.local()
_state = {"enabled": False, "suspended": 0}
_totals = {"changes": 0, "events": 0, "violations": 0}


def _stack() -> list[Path]:
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    return stack


def current_path() -> Path | None:
    stack = _stack()
    return stack[-1] if stack and _state["enabled"] and not _state["suspended"] else None


def push_path(label: str) -> Path:
    from django.db import connections

    path = Path(id=next(_counter), label=label)
    for alias in connections:
        path.baseline[alias] = len(connections[alias].atomic_blocks)
    _stack().append(path)
    return path


def pop_path(path: Path) -> None:
    stack = _stack()
    if path in stack:
        del stack[stack.index(path) :]


def clear_paths() -> None:
    _stack().clear()


class suspended:
    """Set-up code that happens to run along a path (the demo loader scheduling eager tasks) is not checked."""

    def __enter__(self):
        _state["suspended"] += 1

    def __exit__(self, *exc):
        _state["suspended"] -= 1


def _on_request_started(sender, environ=None, **kwargs):
    environ = environ or {}
    push_path(f"request {environ.get('REQUEST_METHOD', '?')} {environ.get('PATH_INFO', '?')}")


def _on_request_finished(sender, **kwargs):
    stack = _stack()
    for path in reversed(stack):
        if path.label.startswith("request "):
            pop_path(path)
            return


def _task_name(sender, task) -> str:
    return getattr(task, "name", None) or getattr(sender, "name", None) or "?"


def _on_task_prerun(sender=None, task_id=None, task=None, **kwargs):
    path = push_path(f"task {_task_name(sender, task)}")
    _task_paths()[task_id] = path


def _on_task_postrun(sender=None, task_id=None, task=None, **kwargs):
    path = _task_paths().pop(task_id, None)
    if path is not None:
        pop_path(path)


def _task_paths() -> dict:
    paths = getattr(_local, "tasks", None)
    if paths is None:
        paths = _local.tasks = {}
    return paths


# ---------------------------------------------------------------------------------------------------------------------
# Telling the database
# ---------------------------------------------------------------------------------------------------------------------


def _context_for(connection, sql: str) -> str | None:
    """The context a write should run with: "" for set-up code, else "<path id>|<transaction token> <label>"."""
    path = current_path()
    if path is None:
        return ""
    if len(connection.atomic_blocks) > path.baseline.get(connection.alias, 0):
        token = getattr(connection, "_pcc_guard_blocks", {}).get(path.id)
        if token:
            return token
    # Outside any block of its own the statement commits by itself in production: a transaction of its own.
    return f"{path.id}|s{next(_counter)} {path.label}"


def _execute_wrapper(execute, sql, params, many, context):
    # Only a write can fire a trigger, so reads leave the setting as it is and cost nothing.
    if _WRITE.search(sql):
        connection = context["connection"]
        want = _context_for(connection, sql)
        if want != (getattr(connection, "_pcc_guard_ctx", None) or ""):
            with connection.wrap_database_errors:
                context["cursor"].cursor.execute("SELECT set_config(%s, %s, false)", [SETTING, want])
            connection._pcc_guard_ctx = want
    return execute(sql, params, many, context)


def _install_wrapper(connection) -> None:
    if connection.vendor != "postgresql" or getattr(connection, "_pcc_guard_wrapped", False):
        return
    connection.execute_wrappers.append(_execute_wrapper)
    connection._pcc_guard_wrapped = True


def _on_connection_created(sender, connection, **kwargs):
    # A new session has the setting unset.
    connection._pcc_guard_ctx = None
    _install_wrapper(connection)


def _patch_atomic() -> None:
    from django.db import transaction

    if getattr(transaction.Atomic, "_pcc_guard", False):
        return
    original_enter, original_exit = transaction.Atomic.__enter__, transaction.Atomic.__exit__

    def __enter__(self):
        original_enter(self)
        path = current_path()
        if path is not None:
            connection = transaction.get_connection(self.using)
            if len(connection.atomic_blocks) == path.baseline.get(connection.alias, 0) + 1:
                # The outermost block of this path: a transaction of its own in production.
                blocks = connection.__dict__.setdefault("_pcc_guard_blocks", {})
                blocks[path.id] = f"{path.id}|t{next(_counter)} {path.label}"

    def __exit__(self, exc_type, exc_value, traceback):
        connection = transaction.get_connection(self.using)
        rolls_back = exc_type is not None or connection.needs_rollback
        try:
            return original_exit(self, exc_type, exc_value, traceback)
        finally:
            if rolls_back:
                # A rollback (to a savepoint or of the transaction) undoes a set_config made inside it, so what the
                # session holds is no longer known: the next write sets it again.
                connection._pcc_guard_ctx = UNKNOWN

    transaction.Atomic.__enter__ = __enter__
    transaction.Atomic.__exit__ = __exit__
    transaction.Atomic._pcc_guard = True


def _patch_commands() -> None:
    from django.core.management.base import BaseCommand

    if getattr(BaseCommand, "_pcc_guard", False):
        return
    original_execute = BaseCommand.execute

    def execute(self, *args, **options):
        name = type(self).__module__.rsplit(".", 1)[-1]
        # Django's own commands (migrate, flush, loaddata) are how the harness builds and empties databases.
        if type(self).__module__.startswith("django.") or name in SEED_COMMANDS:
            return original_execute(self, *args, **options)
        path = push_path(f"command {name}")
        try:
            return original_execute(self, *args, **options)
        finally:
            pop_path(path)

    BaseCommand.execute = execute
    BaseCommand._pcc_guard = True


def install_hooks() -> None:
    """Connect the signals and wrappers. Idempotent; the guard stays off until `enable()`."""
    from celery.signals import task_postrun, task_prerun
    from django.core.signals import request_finished, request_started
    from django.db import connections
    from django.db.backends.signals import connection_created

    request_started.connect(_on_request_started, dispatch_uid="pcc_guard_request_started")
    request_finished.connect(_on_request_finished, dispatch_uid="pcc_guard_request_finished")
    task_prerun.connect(_on_task_prerun, weak=False, dispatch_uid="pcc_guard_task_prerun")
    task_postrun.connect(_on_task_postrun, weak=False, dispatch_uid="pcc_guard_task_postrun")
    connection_created.connect(_on_connection_created, dispatch_uid="pcc_guard_connection_created")
    for connection in connections.all(initialized_only=True):
        _install_wrapper(connection)
    _patch_atomic()
    _patch_commands()


def enable() -> None:
    _state["enabled"] = True


# ---------------------------------------------------------------------------------------------------------------------
# The triggers and the check
# ---------------------------------------------------------------------------------------------------------------------


def _ddl() -> list[str]:
    active = f"coalesce(current_setting('{SETTING}', true), '') <> ''"
    statements = [
        f"""CREATE UNLOGGED TABLE IF NOT EXISTS {LOG_TABLE} (
            id bigserial PRIMARY KEY,
            txid bigint NOT NULL,
            ctx text NOT NULL,
            tbl text NOT NULL,
            op text NOT NULL,
            row_id bigint,
            old_row jsonb,
            new_row jsonb
        )""",
        f"""CREATE OR REPLACE FUNCTION pcc_guard_log() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                INSERT INTO {LOG_TABLE} (txid, ctx, tbl, op, row_id, old_row)
                VALUES (txid_current(), current_setting('{SETTING}'), TG_TABLE_NAME, TG_OP, OLD.id, to_jsonb(OLD));
            ELSIF TG_OP = 'INSERT' THEN
                INSERT INTO {LOG_TABLE} (txid, ctx, tbl, op, row_id, new_row)
                VALUES (txid_current(), current_setting('{SETTING}'), TG_TABLE_NAME, TG_OP, NEW.id, to_jsonb(NEW));
            ELSE
                INSERT INTO {LOG_TABLE} (txid, ctx, tbl, op, row_id, old_row, new_row)
                VALUES (txid_current(), current_setting('{SETTING}'), TG_TABLE_NAME, TG_OP, NEW.id,
                        to_jsonb(OLD), to_jsonb(NEW));
            END IF;
            RETURN NULL;
        END $$""",
    ]
    for table, columns in MONEY_COLUMNS.items():
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
        statements += [
            f"DROP TRIGGER IF EXISTS pcc_guard_update ON {table}",
            f"""CREATE TRIGGER pcc_guard_update AFTER UPDATE ON {table} FOR EACH ROW
                WHEN ({active} AND ({changed})) EXECUTE FUNCTION pcc_guard_log()""",
            f"DROP TRIGGER IF EXISTS pcc_guard_insert_delete ON {table}",
            f"""CREATE TRIGGER pcc_guard_insert_delete AFTER INSERT OR DELETE ON {table} FOR EACH ROW
                WHEN ({active}) EXECUTE FUNCTION pcc_guard_log()""",
        ]
    statements += [
        "DROP TRIGGER IF EXISTS pcc_guard_audit ON audit_auditevent",
        f"""CREATE TRIGGER pcc_guard_audit AFTER INSERT ON audit_auditevent FOR EACH ROW
            WHEN ({active}) EXECUTE FUNCTION pcc_guard_log()""",
    ]
    return statements


def install_triggers(connection) -> None:
    with connection.cursor() as cursor:
        for statement in _ddl():
            cursor.execute(statement)


@dataclass(frozen=True)
class Violation:
    table: str
    op: str
    row_id: int | None
    before: dict | None
    after: dict | None
    ctx: str
    txid: int

    @property
    def path(self) -> str:
        # "<path id>|<transaction token> <label>"
        return self.ctx.split("|", 1)[-1].split(" ", 1)[-1]

    def describe(self) -> str:
        columns = MONEY_COLUMNS[self.table]

        def pick(row):
            if isinstance(row, str):
                row = json.loads(row, parse_float=Decimal)
            return "(" + ", ".join(f"{c}={row.get(c)}" for c in columns) + ")"

        if self.op == "UPDATE":
            change = f"{pick(self.before)} -> {pick(self.after)}"
        elif self.op == "INSERT":
            change = f"inserted {pick(self.after)}"
        else:
            change = f"deleted {pick(self.before)}"
        return f"{self.table} id={self.row_id} {self.op}: {change}, along `{self.path}` (txid {self.txid})"


def take_violations(connection) -> list[Violation]:
    """Money changes logged with no audit event in the same transaction; empties the log either way."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT tbl, op, row_id, old_row, new_row, ctx, txid FROM {LOG_TABLE} change
                WHERE tbl <> 'audit_auditevent' AND NOT EXISTS (
                    SELECT 1 FROM {LOG_TABLE} event
                    WHERE event.tbl = 'audit_auditevent' AND event.txid = change.txid AND event.ctx = change.ctx
                )
                ORDER BY id"""
        )
        rows = cursor.fetchall()
        cursor.execute(
            f"""SELECT count(*) FILTER (WHERE tbl <> 'audit_auditevent'), count(*) FILTER (WHERE tbl = 'audit_auditevent')
                FROM {LOG_TABLE}"""
        )
        changes, events = cursor.fetchone()
        cursor.execute(f"DELETE FROM {LOG_TABLE}")
    _totals["changes"] += changes
    _totals["events"] += events
    return [Violation(*row) for row in rows]


# ---------------------------------------------------------------------------------------------------------------------
# The pytest side (this module is a plugin: tests/conftest.py lists it in pytest_plugins)
# ---------------------------------------------------------------------------------------------------------------------


def _postgresql() -> bool:
    from django.db import connection

    # PCC_MONEY_GUARD=off runs the suite without it (to time what it costs, or to tell whether it is in the way).
    return connection.vendor == "postgresql" and os.environ.get("PCC_MONEY_GUARD", "on") != "off"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's: the test database made and migrated, then the guard's triggers in it. The demo templates
    (tests/demo_database.py) are copies of this database, so they and their copies have the triggers too."""
    if _postgresql():
        from django.db import connection

        with django_db_blocker.unblock():
            install_triggers(connection)
        install_hooks()
        enable()
        _robustness_harness_ignores_the_log()
    yield


def _robustness_harness_ignores_the_log() -> None:
    """tests/robustness compares every table a refused POST wrote; the guard's log is the harness's, not the app's
    (an audited read along a request logs a row there)."""
    from tests.robustness import probe

    probe.IGNORED_TABLES.add(LOG_TABLE)


@pytest.fixture
def _django_db_helper(_django_db_helper, request):
    """pytest-django's (which opens the test's transaction, or flushes after a transactional test), with the check
    run after the test and before that rollback or flush, while this test's changes are still there to read."""
    if not _postgresql() or not _state["enabled"]:
        yield
        return
    yield
    clear_paths()
    from django.db import connection

    violations = take_violations(connection)
    if violations:
        _totals["violations"] += len(violations)
        listed = "\n".join(f"  - {v.describe()}" for v in violations)
        pytest.fail(
            "Money changed along a path with no audit event in the same transaction "
            f"(tests/money_guard.py):\n{listed}",
            pytrace=False,
        )


def pytest_terminal_summary(terminalreporter):
    if _state["enabled"]:
        terminalreporter.write_line(
            f"money guard: {_totals['changes']} money changes along requests, tasks and commands checked against "
            f"{_totals['events']} audit events; {_totals['violations']} without one failed their test (tests/money_guard.py)"
        )


def _suspend_while_building_the_demo() -> None:
    from tests import demo_database

    if getattr(demo_database.load_stage, "_pcc_guard", False):
        return
    original = demo_database.load_stage

    def load_stage(stage: str) -> None:
        with suspended():
            original(stage)

    load_stage._pcc_guard = True
    demo_database.load_stage = load_stage


_suspend_while_building_the_demo()
