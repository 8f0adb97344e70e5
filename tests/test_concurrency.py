"""Many processes at once: the migration lock, SIGKILL, lock timeouts and which lock a run takes.

These tests start real operating-system processes against the per-test database, or hold the
migration lock on one connection while a run waits for it on another.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from flask_herogold_migrate.__main__ import main
from flask_herogold_migrate.core.dialects import dialect_for

pytestmark = pytest.mark.slow

WORKER = """
import os, sys, time
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from flask_herogold_migrate import HerogoldMigrate

start_at = float(os.environ["START_AT"])
while time.time() < start_at:  # every worker builds its app at the same instant
    time.sleep(0.001)
app = Flask("worker", root_path=os.environ["APP_ROOT"])
app.config.update(
    SQLALCHEMY_DATABASE_URI=os.environ["DATABASE_URL"],
    HEROGOLD_MIGRATE_AUTO=True,
    HEROGOLD_MIGRATE_LOCK_TIMEOUT=120,
)
db = SQLAlchemy(app)
HerogoldMigrate(app, db)
print("worker started", flush=True)
"""

SLOW_MIGRATION = """
import os, time
from sqlalchemy import text
from flask_herogold_migrate import Migration


class Slow(Migration):
    def up(self, session):
        session.exec(text("CREATE TABLE {table} (id INTEGER PRIMARY KEY)"))
        with open(os.environ["RUN_LOG"], "a") as log:
            log.write("{table}\\n")
        time.sleep({seconds})

    def down(self, session):
        session.exec(text("DROP TABLE {table}"))
"""


def slow_migration(directory: Path, stem: str, table: str, seconds: float) -> Path:
    path = directory / f"{stem}.py"
    path.write_text(SLOW_MIGRATION.format(table=table, seconds=seconds))
    return path


def cli_env(database, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEROGOLD_")}
    env.update(DATABASE_URL=database.url, **extra)
    return env


def standalone(*args: str, env: dict[str, str], timeout: float = 120):
    return subprocess.run(
        [sys.executable, "-m", "flask_herogold_migrate", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_eight_workers_starting_at_once_apply_each_migration_exactly_once(
    database, migrations_dir, tmp_path
):
    for i in range(5):
        slow_migration(migrations_dir, f"2026030{i + 1}_slow_{i}", f"slow_{i}", 0.4)
    (tmp_path / "worker.py").write_text(WORKER)
    run_log = tmp_path / "runs.log"
    env = cli_env(
        database, APP_ROOT=str(tmp_path), RUN_LOG=str(run_log), START_AT=str(time.time() + 6)
    )

    workers = [
        subprocess.Popen(
            [sys.executable, str(tmp_path / "worker.py")],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    outcomes = [worker.communicate(timeout=180) for worker in workers]

    for worker, (out, err) in zip(workers, outcomes, strict=True):
        assert worker.returncode == 0, err
        assert "worker started" in out
    assert sorted(run_log.read_text().split()) == [f"slow_{i}" for i in range(5)]
    rows = database.migration_rows()
    assert len(rows) == 5
    assert {row["batch"] for row in rows.values()} == {1}
    assert {row["state"] for row in rows.values()} == {"applied"}
    assert {f"slow_{i}" for i in range(5)} <= database.table_names()


def test_sigkill_mid_migration_leaves_no_lock_behind(database, migrations_dir, tmp_path):
    slow_migration(migrations_dir, "20260301_killed", "killed", 60)
    run_log = tmp_path / "runs.log"
    env = cli_env(database, RUN_LOG=str(run_log))
    victim = subprocess.Popen(
        [sys.executable, "-m", "flask_herogold_migrate", "migrate", "--dir", str(migrations_dir)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not (run_log.exists() and run_log.read_text()):  # up() is now running, lock held
        assert victim.poll() is None, "the migrating process ended before it was killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    slow_migration(migrations_dir, "20260301_killed", "killed", 0)  # make it quick now

    started = time.monotonic()
    retry = standalone("migrate", "--dir", str(migrations_dir), "--lock-timeout", "5", env=env)
    elapsed = time.monotonic() - started

    assert "Another process holds the migration lock" not in retry.stderr
    assert elapsed < 5  # the dead process's lock was gone at once
    if database.dialect == "mariadb":
        # Its CREATE TABLE had committed: the run is refused until a human repairs it.
        assert retry.returncode == 1
        assert "recorded as failed" in retry.stderr
        assert database.migration_rows()["20260301_killed"]["state"] == "failed"
    else:
        assert retry.returncode == 0, retry.stderr
        assert "Migrated: 20260301_killed" in retry.stdout
        assert database.migration_rows()["20260301_killed"]["batch"] == 1


# Under a millisecond: PostgreSQL's lock_timeout = 0 would mean waiting for ever.
@pytest.mark.parametrize("timeout", ["1", "0.0004"])
def test_waiting_past_the_lock_timeout_fails_with_a_clear_message(
    database, migrations_dir, timeout
):
    slow_migration(migrations_dir, "20260301_pending", "pending_table", 0)
    env = cli_env(database, RUN_LOG=os.devnull)

    with database.engine.connect() as holder:
        impl = dialect_for(holder)
        with impl.prepared(holder), impl.locked(holder, "migrations", 5):
            started = time.monotonic()
            waiter = standalone(
                "migrate", "--dir", str(migrations_dir), "--lock-timeout", timeout, env=env,
                timeout=30,
            )  # fmt: skip
            waited = time.monotonic() - started

    assert waiter.returncode == 1
    # Told at once that it waits, and for whom, rather than silent for the whole timeout.
    assert waiter.stdout.startswith(
        f"Waiting up to {timeout} s for the migration lock: another process holds it ("
    ), waiter.stdout
    assert "Another process holds the migration lock" in waiter.stderr
    assert f"gave up waiting after {timeout} s" in waiter.stderr
    assert "Traceback" not in waiter.stderr
    assert waited >= float(timeout)
    assert "pending_table" not in database.table_names()
    # Once the holder is gone the same command goes through.
    assert standalone("migrate", "--dir", str(migrations_dir), env=env).returncode == 0
    assert "pending_table" in database.table_names()


def test_lock_is_per_database_not_server_wide(database, migrations_dir, tmp_path):
    """Holding the lock of one tracking table does not block another table's runs."""
    slow_migration(migrations_dir, "20260301_pending", "other_pending", 0)
    env = cli_env(database, RUN_LOG=os.devnull)

    with database.engine.connect() as holder:
        impl = dialect_for(holder)
        with impl.prepared(holder), impl.locked(holder, "migrations", 5):
            other = standalone(
                "migrate",
                "--dir",
                str(migrations_dir),
                "--table",
                "other_history",
                "--lock-timeout",
                "1",
                env=env,
            )

    assert other.returncode == 0, other.stderr
    assert "other_pending" in database.table_names()


def _with_search_path(url: str, search_path: str) -> str:
    from sqlalchemy import make_url

    options = {"options": f"-csearch_path={search_path}"}
    return make_url(url).update_query_dict(options).render_as_string(hide_password=False)


def _invoke(url: str, migrations_dir: Path, *args: str):
    return CliRunner().invoke(main, [*args, "--dir", str(migrations_dir), "--database-url", url])


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_search_path_run_takes_the_lock_of_the_tracking_table_it_writes(
    database, migrations_dir, write_migration
):
    """search_path "other, public" with the table in public: the plain URL's lock, not other's."""
    write_migration("20260301_base", "CREATE TABLE public.base (id INTEGER PRIMARY KEY)")
    assert _invoke(database.url, migrations_dir, "migrate").exit_code == 0  # public.migrations
    with database.engine.begin() as conn:
        conn.execute(text("CREATE SCHEMA other"))
    write_migration("20260302_next", "CREATE TABLE public.next (id INTEGER PRIMARY KEY)")
    other_first = _with_search_path(database.url, "other,public")

    with database.engine.connect() as holder:  # a run on the plain URL holds the lock
        impl = dialect_for(holder)
        with impl.prepared(holder), impl.locked(holder, "migrations", 0):
            waiter = _invoke(other_first, migrations_dir, "migrate", "--lock-timeout", "0")
    result = _invoke(other_first, migrations_dir, "migrate")

    assert waiter.exit_code == 1
    assert "Another process holds the migration lock" in waiter.output
    assert result.exit_code == 0, result.output
    assert "Migrated: 20260302_next" in result.output
    assert set(database.migration_rows()) == {"20260301_base", "20260302_next"}  # public's
    assert database.scalar("SELECT to_regclass('other.migrations')") is None


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_search_path_run_without_a_tracking_table_locks_where_it_creates_one(
    database, migrations_dir, write_migration
):
    """Nothing to find: the lock is that of current_schema(), where CREATE TABLE puts it."""
    write_migration("20260301_base", "CREATE TABLE base (id INTEGER PRIMARY KEY)")
    with database.engine.begin() as conn:
        conn.execute(text("CREATE SCHEMA other"))
    other_first = _with_search_path(database.url, "other,public")

    with database.engine.connect() as holder:  # public's lock: another schema, another table
        impl = dialect_for(holder)
        with impl.prepared(holder), impl.locked(holder, "migrations", 0):
            result = _invoke(other_first, migrations_dir, "migrate", "--lock-timeout", "0")

    assert result.exit_code == 0, result.output
    assert database.scalar("SELECT to_regclass('other.migrations')::text") == "other.migrations"
    assert database.scalar("SELECT to_regclass('public.migrations')") is None


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
@pytest.mark.parametrize("table_exists", [False, True], ids=["new_database", "tracking_table"])
def test_the_default_lock_key_is_the_one_earlier_versions_take(
    database, migrations_dir, write_migration, table_exists
):
    """Everything in public: an older version running at the same time is still excluded."""
    from flask_herogold_migrate.core.runtime.lock import lock_key64

    write_migration("20260301_base", "CREATE TABLE base (id INTEGER PRIMARY KEY)")
    if table_exists:
        write_migration("20260228_first", "CREATE TABLE first (id INTEGER PRIMARY KEY)")
        first = _invoke(database.url, migrations_dir, "migrate", "--target", "20260228_first")
        assert first.exit_code == 0, first.output
        assert set(database.migration_rows()) == {"20260228_first"}

    with database.engine.connect() as older:  # the key as versions up to 0783cdf made it
        database_name, schema = older.execute(
            text("SELECT current_database(), current_schema()")
        ).one()
        key = lock_key64(database_name, schema or "", "migrations")
        older.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
        older.commit()
        waiter = _invoke(database.url, migrations_dir, "migrate", "--lock-timeout", "0")
        older.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        older.commit()

    assert waiter.exit_code == 1
    assert "Another process holds the migration lock" in waiter.output
    assert "base" not in database.table_names()
    assert _invoke(database.url, migrations_dir, "migrate").exit_code == 0
    assert "base" in database.table_names()
