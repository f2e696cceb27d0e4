"""The embedded default (no DATABASE_URL: SQLite, tasks in-process) must keep working for `./scripts/demo`, although
every other test runs on PostgreSQL. Migrations are where the two part ways (an index SQLite cannot build, say)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_migration_applies_on_sqlite_and_leaves_nothing_unmigrated(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'embedded.sqlite3'}"

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    migrated = manage("migrate", "--no-input")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    pending = manage("migrate", "--check")
    assert pending.returncode == 0, pending.stdout + pending.stderr
