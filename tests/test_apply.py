"""Applying migrations: batches, the transaction around each step (its own commits, savepoints,
``transactional = False``, an autocommit engine), the API's return values, and SQLite's URIs and
transaction recipe.

Most tests drive the standalone CLI or the MigrationManager API; the database fixture makes each
run three times, on SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

import gc
import os

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, text

from flask_herogold_migrate import MigrationManager
from flask_herogold_migrate.__main__ import main
from flask_herogold_migrate.core.errors import MigrationFailed
from flask_herogold_migrate.core.runtime import connection
from tests.helpers import NON_TRANSACTIONAL, sqlite_recipe_engine


def test_each_run_is_a_new_batch_and_nothing_pending_says_so(cli, database, create_table_migration):
    create_table_migration("20260301_one", "one")
    assert cli("migrate").exit_code == 0
    create_table_migration("20260302_two", "two")
    assert cli("migrate").exit_code == 0

    result = cli("migrate")

    assert result.exit_code == 0
    assert "Nothing to migrate." in result.output
    assert {n: r["batch"] for n, r in database.migration_rows().items()} == {
        "20260301_one": 1,
        "20260302_two": 2,
    }


def test_migration_commit_does_not_end_the_runner_transaction(database, write_migration, manager):
    write_migration(
        "20260301_commits_then_fails",
        body="""
        from sqlalchemy import text
        from flask_herogold_migrate import Migration


        class CommitsThenFails(Migration):
            def up(self, session):
                session.exec(text("CREATE TABLE committed_early (id INTEGER PRIMARY KEY)"))
                session.commit()
                session.exec(text("INSERT INTO committed_early (id) VALUES (1)"))
                session.commit()
                raise RuntimeError("boom after commit")

            def down(self, session):
                session.exec(text("DROP TABLE committed_early"))
        """,
    )

    with pytest.raises(MigrationFailed, match="boom after commit") as failure:
        manager.run_migrations()

    if database.dialect == "mariadb":
        assert failure.value.recorded_failed
        assert database.migration_rows()["20260301_commits_then_fails"]["state"] == "failed"
    else:
        assert not failure.value.recorded_failed
        assert "committed_early" not in database.table_names()
        assert database.migration_rows() == {}


def test_a_run_leaves_the_garbage_collector_of_the_host_process_alone(
    manager, write_migration, monkeypatch
):
    # A library must not change process-wide state: frozen objects are never freed.
    monkeypatch.setenv("FROZEN_DURING_UP", "")
    body = """
        import gc, os
        from flask_herogold_migrate import Migration


        class Look(Migration):
            def up(self, session):
                os.environ["FROZEN_DURING_UP"] = str(gc.get_freeze_count())

            def down(self, session):
                pass
    """
    write_migration("20260301_look", body=body)
    assert gc.get_freeze_count() == 0

    assert manager.run_migrations() == ["20260301_look"]

    assert int(os.environ["FROZEN_DURING_UP"]) == 0
    assert gc.get_freeze_count() == 0
    # A process that froze objects of its own (a pre-fork server) keeps them frozen.
    gc.freeze()
    try:
        own = gc.get_freeze_count()
        assert manager.reset() == ["20260301_look"]
        assert gc.get_freeze_count() > own // 2  # freed ones leave the count
    finally:
        gc.unfreeze()


def test_api_returns_names(manager, database, create_table_migration):
    create_table_migration("20260301_one", "one")
    create_table_migration("20260302_two", "two")

    assert manager.run_migrations() == ["20260301_one", "20260302_two"]
    assert manager.status().applied == ["20260301_one", "20260302_two"]
    assert manager.rollback() == ["20260302_two", "20260301_one"]
    assert manager.reset() == []
    with pytest.raises(ValueError):
        manager.rollback(0)


def test_an_autocommit_app_engine_still_runs_each_migration_in_a_transaction(
    database, migrations_dir, write_migration, create_table_migration, monkeypatch
):
    autocommit = create_engine(database.url, isolation_level="AUTOCOMMIT")
    manager = MigrationManager(migrations_dir, engine=autocommit)
    create_table_migration("20260301_x", "x")
    write_migration("20260302_fails", ["INSERT INTO x (id) VALUES (1)", "SELECT * FROM nope"])

    for _ in range(2):  # a failure that left its INSERT would add a row each time
        with pytest.raises(MigrationFailed, match="Its changes were rolled back"):
            manager.run_migrations()

    assert set(database.migration_rows()) == {"20260301_x"}
    assert database.rows("x") == []
    # Only a run that takes the lock changes the connection: the startup check stays one query.
    (migrations_dir / "20260302_fails.py").unlink()
    changed: list[object] = []
    monkeypatch.setattr(connection, "leave_autocommit", changed.append)
    assert manager.run_migrations() == []
    assert changed == []
    if database.dialect != "sqlite":  # the app's own connections stay as the app set them
        with autocommit.connect() as conn:
            dbapi_connection = conn.connection.dbapi_connection
            assert autocommit.dialect.detect_autocommit_setting(dbapi_connection)
    autocommit.dispose()


ROLLS_BACK_HALF_WAY = """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class RollsBack(Migration):
    transactional = TRANSACTIONAL

    def up(self, session):
        session.exec(text("CREATE TABLE notes (id INTEGER PRIMARY KEY)"))
        session.commit()
        session.exec(text("INSERT INTO notes (id) VALUES (1)"))
        session.rollback()
        session.exec(text("INSERT INTO notes (id) VALUES (2)"))
"""


@pytest.mark.parametrize("transactional", [True, False], ids=["transactional", "not_transactional"])
def test_session_rollback_goes_back_to_its_savepoint_or_says_why_it_cannot(
    database, write_migration, manager, transactional
):
    write_migration(
        "20260301_notes", body=ROLLS_BACK_HALF_WAY.replace("TRANSACTIONAL", str(transactional))
    )
    has_savepoint = transactional and database.dialect != "mariadb"

    if has_savepoint:
        assert manager.run_migrations() == ["20260301_notes"]
        assert database.rows("notes") == [{"id": 2}]
        return
    with pytest.raises(MigrationFailed) as failure:
        manager.run_migrations()
    message = str(failure.value)
    assert "RollbackUnavailable: session.rollback() cannot be used in this migration" in message
    assert "Can't operate on closed transaction" not in message
    # The CREATE TABLE had committed on its own, so the migration is recorded as failed.
    assert database.migration_rows()["20260301_notes"]["state"] == "failed"


def test_migration_can_opt_out_of_the_transaction(database, write_migration, manager):
    write_migration("20260301_index", body=NON_TRANSACTIONAL.replace("FAIL", ""))

    assert manager.run_migrations() == ["20260301_index"]
    assert database.migration_rows()["20260301_index"]["state"] == "applied"
    assert "big" in database.table_names()
    assert manager.rollback() == ["20260301_index"]
    assert "big" not in database.table_names()


@pytest.mark.parametrize(
    "database_part",
    ["file:{dir}/app.db", "file://localhost{dir}/app.db?mode=rwc", "file:app.db"],
    ids=["absolute", "authority_and_parameter", "relative"],
)
def test_a_sqlite_filename_uri_is_migrated_with_its_lock_beside_the_file(
    tmp_path, create_table_migration, monkeypatch, database_part
):
    # sqlite:///file:...?uri=true hands SQLite a URI (SQLAlchemy's pysqlite "URI Connections"):
    # its lock file is the one a plain path to the same file uses, not "./file:/...".
    from sqlalchemy import create_engine

    from flask_herogold_migrate.core.dialects import dialect_for

    monkeypatch.chdir(tmp_path)
    create_table_migration("20260301_one", "one")
    separator = "&" if "?" in database_part else "?"
    url = f"sqlite:///{database_part.format(dir=tmp_path)}{separator}uri=true"
    migrate = ["migrate", "--dir", "migrations", "--lock-timeout", "0"]
    plain = create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    with plain.connect() as holder:
        impl = dialect_for(holder)
        with impl.prepared(holder), impl.locked(holder, "migrations", 0):
            waiter = CliRunner().invoke(main, [*migrate, "--database-url", url])
    result = CliRunner().invoke(main, [*migrate, "--database-url", url])

    # The plain path's lock holder excludes the URI's run: the same lock file.
    assert waiter.exit_code == 1
    assert "Another process holds the migration lock" in waiter.output
    assert result.exit_code == 0, result.output
    assert "Migrated: 20260301_one" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "app.db",
        "app.db.herogold-migrate-migrations.lock",
        "migrations",
    ]
    with plain.connect() as conn:
        applied = conn.execute(text("SELECT name FROM migrations")).scalars().all()
    plain.dispose()
    assert applied == ["20260301_one"]


@pytest.mark.parametrize(
    "database_part",
    ["file::memory:?cache=shared", "file:memdb_one?mode=memory&cache=shared"],
    ids=["memory_path", "mode_memory"],
)
def test_a_sqlite_memory_uri_is_migrated_without_a_lock_file(
    tmp_path, create_table_migration, monkeypatch, database_part
):
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.pool import QueuePool

    monkeypatch.chdir(tmp_path)
    create_table_migration("20260301_one", "one")
    engine = create_engine(f"sqlite:///{database_part}&uri=true", poolclass=QueuePool)
    with engine.connect() as keep_alive:  # a shared-cache memory database lives while in use
        applied = MigrationManager(tmp_path / "migrations", engine=engine).run_migrations()

        assert applied == ["20260301_one"]
        assert {"migrations", "one"} <= set(inspect(keep_alive).get_table_names())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["migrations"]
    engine.dispose()


def test_sqlite_with_sqlalchemy_s_transaction_recipe_migrates_and_rolls_back(
    tmp_path, migrations_dir, write_migration
):
    """The pysqlite recipe of SQLAlchemy's docs: the driver's own BEGIN off, one from an event."""
    engine = sqlite_recipe_engine(tmp_path / "recipe.db")

    write_migration("20260301_one", "CREATE TABLE one (id INTEGER PRIMARY KEY)", "DROP TABLE one")
    write_migration(
        "20260302_broken", ["CREATE TABLE broken (id INTEGER PRIMARY KEY)", "SELECT * FROM nope"]
    )
    manager = MigrationManager(migrations_dir, engine=engine)

    with pytest.raises(MigrationFailed, match="20260302_broken failed in up"):
        manager.run_migrations()

    assert set(inspect(engine).get_table_names()) == {"migrations", "migrations_digest", "one"}
    assert manager.rollback() == ["20260301_one"]
    assert set(inspect(engine).get_table_names()) == {"migrations", "migrations_digest"}
    # Outside a transaction too: the event's BEGIN is not a statement that changed something.
    (migrations_dir / "20260302_broken.py").unlink()
    write_migration("20260303_outside", "SELECT * FROM nope", transactional=False)
    with pytest.raises(MigrationFailed, match="Its changes were rolled back"):
        manager.run_migrations()
    assert manager.status().failed == []
    engine.dispose()
