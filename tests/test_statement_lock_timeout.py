"""``HEROGOLD_MIGRATE_STATEMENT_LOCK_TIMEOUT`` and ``..._RETRIES``: a migration whose statement
waits for a table another session holds fails in time, says who held it, and is tried again
where its failed attempt left nothing behind."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import inspect, make_url

from flask_herogold_migrate import HerogoldMigrate, MigrationFailed, MigrationManager
from flask_herogold_migrate.core import ConfigurationError
from tests.helpers import run_flask


class Blocker:
    """Another session in an open transaction that holds the table ``accounts``: it read it
    (PostgreSQL, MariaDB), or holds SQLite's one write lock."""

    def __init__(self, database) -> None:
        self.dialect = database.dialect
        self._releasing = threading.Lock()
        if database.dialect == "sqlite":
            self.sqlite = sqlite3.connect(
                make_url(database.url).database, isolation_level=None, check_same_thread=False
            )
            self.sqlite.execute("BEGIN IMMEDIATE")
        else:
            self.conn = database.engine.connect()
            if database.dialect == "postgresql":
                self.conn.exec_driver_sql("SET application_name = 'lock-blocker'")
                self.pid = self.conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            self.conn.exec_driver_sql("SELECT * FROM accounts").all()
        # Without a statement lock timeout a migration would wait for ever: it waits this long.
        self._safety_net = threading.Timer(20, self.release)
        self._safety_net.start()

    def release(self) -> None:
        with self._releasing:
            self._safety_net.cancel()
            if self.dialect == "sqlite":
                if self.sqlite.in_transaction:
                    self.sqlite.execute("ROLLBACK")
            elif not self.conn.closed:
                self.conn.rollback()
                self.conn.close()


@pytest.fixture
def accounts(cli, write_migration):
    """The table ``accounts`` applied; a migration adding a column to it, pending."""
    write_migration("20260301_accounts", "CREATE TABLE accounts (id INTEGER PRIMARY KEY)")
    assert cli("migrate").exit_code == 0


@pytest.fixture
def blocker(database, accounts):
    held = Blocker(database)
    yield held
    held.release()
    if database.dialect == "sqlite":
        held.sqlite.close()


ADD_EMAIL = "ALTER TABLE accounts ADD COLUMN email VARCHAR(100)"


def columns(database) -> list[str]:
    return [c["name"] for c in inspect(database.engine).get_columns("accounts")]


def test_a_migration_waiting_for_a_lock_fails_in_time_and_says_who_held_it(
    cli, database, write_migration, blocker
):
    write_migration("20260302_add_email", ADD_EMAIL)

    result = cli("migrate", "--statement-lock-timeout", "1")

    assert result.exit_code == 1
    if database.dialect == "sqlite":  # the whole database was locked: up() never began
        assert "Error: Migration 20260302_add_email did not start" in result.stderr
    else:
        assert "Error: Migration 20260302_add_email failed in up()" in result.stderr
    assert "A lock was not obtained in time (HEROGOLD_MIGRATE_STATEMENT_LOCK_TIMEOUT is 1 s)" in (
        result.stderr
    )
    if database.dialect == "postgresql":  # the one database that can say
        assert (
            f"it was held by PostgreSQL backend pid {blocker.pid} 'lock-blocker' "
            "(idle in transaction: SELECT * FROM accounts)." in result.stderr
        )
    assert "Traceback" not in result.output
    blocker.release()
    assert columns(database) == ["id"]
    assert set(database.migration_rows()) == {"20260301_accounts"}  # pending again


def test_a_migration_retried_after_the_blocker_ended_succeeds(
    database, migrations_dir, write_migration, blocker
):
    write_migration("20260302_add_email", ADD_EMAIL)
    heard = []

    def progress(event) -> None:
        heard.append(event)
        if event.event == "retrying":
            blocker.release()  # the long transaction ends during the pause

    manager = MigrationManager(
        migrations_dir,
        database.engine,
        progress=progress,
        statement_lock_timeout=0.5,
        statement_lock_retries=2,
    )

    assert manager.run_migrations() == ["20260302_add_email"]
    retries = [event.describe() for event in heard if event.event == "retrying"]
    assert len(retries) == 1
    assert retries[0].startswith(
        "A lock was not obtained in time for 20260302_add_email (attempt 1 of 3, held by "
    )
    assert retries[0].endswith("). Trying again in 1 s.")
    assert columns(database) == ["id", "email"]
    assert database.migration_rows()["20260302_add_email"]["state"] == "applied"


EARLIER = {
    "ddl": "CREATE TABLE audit (id INTEGER PRIMARY KEY)",
    "data": "INSERT INTO accounts (id) VALUES (7)",
}


def kept(database) -> set[str]:
    """What the earlier statements left: the table audit, the row of accounts."""
    rows = database.scalar("SELECT COUNT(*) FROM accounts")
    return ({"audit"} & database.table_names()) | ({"row"} if rows else set())


@pytest.mark.parametrize("earlier", ["ddl", "data"])
def test_a_step_is_retried_only_if_its_failed_attempt_left_nothing(
    database, migrations_dir, write_migration, blocker, earlier
):
    """A statement of the step before the one that waits: rolled back with it on PostgreSQL
    and SQLite, so the step is tried again; committed on MariaDB (DDL commits on its own,
    and the ALTER TABLE commits what came before it), so it is not."""
    write_migration("20260302_two_statements", [EARLIER[earlier], ADD_EMAIL])
    manager = MigrationManager(
        migrations_dir, database.engine, statement_lock_timeout=0.5, statement_lock_retries=1
    )

    with pytest.raises(MigrationFailed) as raised:
        manager.run_migrations()

    blocker.release()
    assert raised.value.lock_wait is not None
    assert columns(database) == ["id"]
    if database.dialect == "mariadb":
        assert raised.value.lock_wait.attempts == 1
        assert raised.value.recorded_failed
        assert kept(database) == {"audit" if earlier == "ddl" else "row"}
        assert database.migration_rows()["20260302_two_statements"]["state"] == "failed"
    else:
        assert raised.value.lock_wait.attempts == 2
        assert "The step was tried 2 times." in str(raised.value)
        assert kept(database) == set()  # the schema and the rows are as before
        assert set(database.migration_rows()) == {"20260301_accounts"}


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("HEROGOLD_MIGRATE_STATEMENT_LOCK_RETRIES", "-1", "is not a count"),
        ("HEROGOLD_MIGRATE_STATEMENT_LOCK_RETRIES", 1.5, "is not a count"),
        ("HEROGOLD_MIGRATE_STATEMENT_LOCK_TIMEOUT", "soon", "is not a number of seconds"),
        ("HEROGOLD_MIGRATE_CONNECTION_CHECK_INTERVAL", "-1", "is not a number of seconds"),
    ],
)
def test_a_bad_setting_is_one_error_line(tmp_path: Path, monkeypatch, key, value, problem):
    def create_app():
        app = Flask("bad", root_path=str(tmp_path), instance_path=str(tmp_path / "instance"))
        app.config.update(SQLALCHEMY_DATABASE_URI="sqlite://", **{key: value})
        HerogoldMigrate(app)
        return app

    (tmp_path / "migrations").mkdir()
    with pytest.raises(ConfigurationError, match=f"^{key}="):
        create_app()

    result = run_flask(monkeypatch, create_app, "migrate")

    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {key}={value!r} {problem}")
    assert len(result.output.splitlines()) == 1


@pytest.mark.parametrize("value", [None, "", 0, "0"])
@pytest.mark.sqlite_only
def test_the_statement_lock_timeout_is_off_by_default_and_for_none_or_zero(make_app, value):
    app = make_app(name="off", sqlalchemy=False, extension=False)
    if value is not None:
        app.config["HEROGOLD_MIGRATE_STATEMENT_LOCK_TIMEOUT"] = value
    migrate = HerogoldMigrate(app)

    with app.app_context():
        assert migrate.manager().statement_lock_timeout is None


@pytest.mark.parametrize("database", ["postgresql", "mariadb"], indirect=True)
def test_fresh_waits_no_longer_than_the_statement_lock_timeout_to_drop(cli, database, blocker):
    # An audit found fresh's DROP queued behind a reader for as long as the reader lasted,
    # stalling every query on the table meanwhile.
    result = cli("migrate:fresh", "--force", "--statement-lock-timeout", "1")

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    blocker.release()
    assert "accounts" in database.table_names()  # nothing was dropped
