"""A rehearsal (``--pretend``, and ``migrate:lint``, which rehearses) runs on a connection set up
as the real run's: the statement lock timeout applies, and SQLite's foreign keys are off while
the steps run, each step checked before it would commit."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from tests.helpers import snapshot
from tests.test_statement_lock_timeout import ADD_EMAIL, accounts, blocker, columns  # noqa: F401

postgresql_only = pytest.mark.parametrize("database", ["postgresql"], indirect=True)


@postgresql_only
@pytest.mark.parametrize("command", ["migrate --pretend", "migrate:lint"])
def test_a_rehearsal_waiting_for_a_lock_fails_in_time_as_the_run_does(
    cli,
    database,
    write_migration,
    blocker,  # noqa: F811
    command,
):
    write_migration("20260302_add_email", ADD_EMAIL)

    result = cli(*command.split(), env={"HEROGOLD_MIGRATE_STATEMENT_LOCK_TIMEOUT": "1"})

    assert result.exit_code == 1, result.output
    assert "Migration 20260302_add_email would fail in up():" in result.output
    assert "A lock was not obtained in time (HEROGOLD_MIGRATE_STATEMENT_LOCK_TIMEOUT is 1 s)" in (
        result.output
    )
    assert f"held by PostgreSQL backend pid {blocker.pid} 'lock-blocker'" in result.output
    assert "Traceback" not in result.output
    blocker.release()
    assert columns(database) == ["id"]
    assert set(database.migration_rows()) == {"20260301_accounts"}


# -- SQLite with foreign keys on, as the docs recommend ---------------------------------------

PARENTS = """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class Parents(Migration):
    def up(self, session):
        session.exec(text("CREATE TABLE parents (id INTEGER PRIMARY KEY, name VARCHAR(20))"))
        session.exec(text(
            "CREATE TABLE children (id INTEGER PRIMARY KEY, "
            "parent_id INTEGER REFERENCES parents (id) ON DELETE CASCADE)"
        ))
        session.exec(text("INSERT INTO parents (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c')"))
        session.exec(text("INSERT INTO children (id, parent_id) VALUES (1, 1), (2, 2), (3, 3)"))

    def down(self, session):
        session.exec(text("DROP TABLE children"))
        session.exec(text("DROP TABLE parents"))
"""

# A batch rebuild: Alembic copies parents into a new table, drops the old one and renames the
# copy. With foreign keys on, the DROP TABLE cascades to children's rows, or is refused.
REBUILD = """
import sqlalchemy as sa
from sqlalchemy import text
from flask_herogold_migrate import Migration, schema


class Rebuild(Migration):
    def up(self, session):
        with schema(session).batch_alter_table("parents", recreate="always") as batch:
            batch.alter_column("name", type_=sa.String(50))

    def down(self, session):
        pass
"""

COUNT_CHILDREN = """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class CountChildren(Migration):
    def up(self, session):
        count = session.exec(text("SELECT COUNT(*) FROM children")).scalar()
        session.exec(text(f"CREATE TABLE children_counted_{count} (id INTEGER)"))

    def down(self, session):
        pass
"""


@pytest.fixture
def foreign_keys_on(database):
    """Every new SQLite connection has foreign keys on (a connect listener, as documented)."""

    def on(dbapi_connection, record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    event.listen(database.engine, "connect", on)
    yield
    event.remove(database.engine, "connect", on)


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)  # SQLite's own foreign keys
@pytest.mark.parametrize("restrict", [False, True])
def test_a_rehearsed_rebuild_behaves_as_the_run_with_foreign_keys_on(
    manager, database, write_migration, foreign_keys_on, restrict
):
    body = PARENTS.replace(" ON DELETE CASCADE", "") if restrict else PARENTS
    write_migration("20260301_parents", body=body)
    assert manager.run_migrations() == ["20260301_parents"]
    write_migration("20260302_rebuild", body=REBUILD)
    write_migration("20260303_count_children", body=COUNT_CHILDREN)
    before = snapshot(database)

    rehearsal = manager.pretend_migrations()

    assert rehearsal.failed is None, rehearsal.failed and rehearsal.failed.error
    assert rehearsal.names == ["20260302_rebuild", "20260303_count_children"]
    counted = [s.sql for s in rehearsal.migrations[1].statements if "children_counted" in s.sql]
    assert counted == ["CREATE TABLE children_counted_3 (id INTEGER)"]
    assert snapshot(database) == before
    # The real run agrees.
    assert manager.run_migrations() == ["20260302_rebuild", "20260303_count_children"]
    assert "children_counted_3" in database.table_names()
