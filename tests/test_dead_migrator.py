"""A migrating process that dies mid-statement: the server must free the migration lock soon,
not when the statement would have ended.

On PostgreSQL 14 and later the run's session checks that its client is still connected
(``client_connection_check_interval``) and has TCP keepalives; MariaDB has no such setting,
and what it does on its own is asserted here (see docs/deploying.rst).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from flask_herogold_migrate import MigrationManager

PROBE = """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class Probe(Migration):
    def up(self, session):
        session.exec(text(
            "CREATE TABLE probe AS SELECT "
            "current_setting('client_connection_check_interval') AS check_interval, "
            "current_setting('tcp_keepalives_idle') AS idle, "
            "current_setting('tcp_keepalives_interval') AS probe_interval, "
            "current_setting('tcp_keepalives_count') AS probes"
        ))

    def down(self, session):
        session.exec(text("DROP TABLE probe"))
"""


def probed(database) -> tuple[str, str, str, str]:
    with database.engine.connect() as conn:
        return tuple(conn.execute(text("SELECT * FROM probe")).one())


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
@pytest.mark.parametrize(
    ("interval", "expected"),
    [(None, ("1s", "30", "10", "3")), ("0.25", ("250ms", "30", "10", "3")), ("0", ("0",))],
)
def test_the_run_asks_postgresql_to_notice_a_dead_client(
    cli, database, write_migration, interval, expected
):
    write_migration("20260301_probe", body=PROBE)
    options = [] if interval is None else ["--connection-check-interval", interval]

    result = cli("migrate", *options)

    assert result.exit_code == 0, result.output
    assert "Note:" not in result.output
    settings = probed(database)
    assert settings[: len(expected)] == expected
    if interval == "0":  # the connection is left as it was: the operating system's keepalives
        assert settings[1] != "30"


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_before_postgresql_14_the_run_notes_that_it_cannot(
    database, migrations_dir, write_migration, monkeypatch
):
    write_migration("20260301_probe", body=PROBE)
    with database.engine.connect():  # SQLAlchemy reads the version at the first connection
        pass
    monkeypatch.setattr(database.engine.dialect, "server_version_info", (13, 11))
    heard = []

    MigrationManager(migrations_dir, database.engine, progress=heard.append).run_migrations()

    notes = [p.describe() for p in heard if p.event == "note"]
    assert notes == [
        "Note: PostgreSQL 13.11 cannot stop a statement whose client died "
        "(client_connection_check_interval came with PostgreSQL 14): if this process is killed "
        "mid-statement, the server finishes the statement before it frees the migration lock. "
        "HEROGOLD_MIGRATE_CONNECTION_CHECK_INTERVAL=0 hides this note."
    ]
    assert probed(database)[:2] == ("0", "30")  # the keepalives are set all the same


AUTO_RUN_WORKER = """
import os
from flask import Flask
from flask_herogold_migrate import HerogoldMigrate

app = Flask("worker", root_path=os.environ["APP_ROOT"])
app.config.update(SQLALCHEMY_DATABASE_URI=os.environ["DATABASE_URL"], HEROGOLD_MIGRATE_AUTO=True)
HerogoldMigrate(app)
"""


def long_statement_migration(directory: Path, sleep: str | None) -> None:
    statements = ["CREATE TABLE killed (id INTEGER PRIMARY KEY)"] + ([sleep] if sleep else [])
    calls = "".join(f"        session.exec(text({s!r}))\n" for s in statements)
    (directory / "20260301_killed.py").write_text(
        "from sqlalchemy import text\n"
        "from flask_herogold_migrate import Migration\n\n\n"
        "class Killed(Migration):\n"
        "    def up(self, session):\n" + calls + "\n"
        "    def down(self, session):\n"
        "        session.exec(text('DROP TABLE killed'))\n"
    )


def kill_auto_run_inside(database, migrations_dir: Path, tmp_path: Path, sleep: str):
    """Start auto-run on a migration whose second statement is ``sleep``, SIGKILL it there."""
    long_statement_migration(migrations_dir, sleep)
    (tmp_path / "worker.py").write_text(AUTO_RUN_WORKER)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEROGOLD_")}
    env.update(DATABASE_URL=database.url, APP_ROOT=str(tmp_path))
    worker = subprocess.Popen([sys.executable, str(tmp_path / "worker.py")], env=env)
    deadline = time.monotonic() + 60
    while not database.scalar(
        "SELECT COUNT(*) FROM information_schema.processlist WHERE info = 'SELECT SLEEP(30)'"
        if database.dialect == "mariadb"
        else "SELECT COUNT(*) FROM pg_stat_activity "
        "WHERE state = 'active' AND query = 'SELECT pg_sleep(30)'"
    ):
        assert worker.poll() is None, "the worker ended before it was killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    long_statement_migration(migrations_dir, None)  # quick from now on
    return env


def migrate_again(env, migrations_dir: Path):
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "flask_herogold_migrate", "migrate", "--dir", str(migrations_dir),
         "--lock-timeout", "15"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return result, time.monotonic() - started


@pytest.mark.slow
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_postgresql_frees_the_lock_of_a_migrator_killed_mid_statement(
    database, migrations_dir, tmp_path
):
    env = kill_auto_run_inside(database, migrations_dir, tmp_path, "SELECT pg_sleep(30)")

    result, seconds = migrate_again(env, migrations_dir)

    # Without the check, the killed session held the lock until its sleep's end, 30 s on.
    assert result.returncode == 0, result.stderr
    assert "Another process holds the migration lock" not in result.stdout
    assert seconds < 10
    assert "Migrated: 20260301_killed" in result.stdout
    assert database.migration_rows()["20260301_killed"]["state"] == "applied"
    assert "killed" in database.table_names()


@pytest.mark.slow
@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_mariadb_frees_the_lock_of_a_migrator_killed_in_sleep_within_its_own_check(
    database, migrations_dir, tmp_path
):
    """MariaDB has no setting for this. SLEEP() (and a wait for a lock) looks at its client
    every few seconds on its own; other statements run to their end first."""
    env = kill_auto_run_inside(database, migrations_dir, tmp_path, "SELECT SLEEP(30)")

    result, seconds = migrate_again(env, migrations_dir)

    assert seconds < 10  # SLEEP() checks its client every 5 s
    assert "Another process holds the migration lock" not in result.stdout
    # Its CREATE TABLE had committed: the next run finds the row the dead process left
    # running, records it as failed and refuses to go on until a human repairs it.
    assert result.returncode == 1
    assert "Migration 20260301_killed stopped part-way through up()" in result.stderr
    assert database.migration_rows()["20260301_killed"]["state"] == "failed"
