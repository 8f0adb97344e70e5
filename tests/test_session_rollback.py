"""A migration's ``session.rollback()``: it undoes what the migration did since it began or
since its last ``session.commit()``, never more, and the step stays atomic with its row.

Where DDL is transactional (SQLite, PostgreSQL) a step runs in a transaction of its own, and the
session takes no savepoint unless the migration commits: these tests hold that promise, and
check that a step which never rolls back sends no SAVEPOINT at all. On MariaDB a transactional
migration's statements commit as they run, so ``rollback()`` is refused and says why.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, text

from flask_herogold_migrate.core.errors import MigrationFailed

NOTES = """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class Notes(Migration):
    def up(self, session):
        session.exec(text("CREATE TABLE notes (id INTEGER PRIMARY KEY)"))

    def down(self, session):
        session.exec(text("DROP TABLE notes"))
"""

STEP = """
from sqlalchemy import text
from flask_herogold_migrate import Migration


def note(session, number):
    session.exec(text(f"INSERT INTO notes (id) VALUES ({{number}})"))


class Step(Migration):
    def up(self, session):
{body}

    def down(self, session):
        session.exec(text("DELETE FROM notes"))
"""


def _step(*lines: str) -> str:
    return STEP.format(body="\n".join(f"        {line}" for line in lines))


@pytest.fixture
def notes(write_migration):
    write_migration("20260301_notes", body=NOTES)
    return write_migration


def _refused_on_mariadb(database, manager, lines=("session.rollback()",)) -> bool:
    """On MariaDB: ``session.rollback()`` is refused, and a block whose rollback took the
    step's transaction with it fails the step at its next statement (SQLAlchemy's "closed
    transaction"), its DML rolled back. Other savepoints work there as elsewhere."""
    if database.dialect != "mariadb":
        return False
    if "session.rollback()" in lines:
        expected = "session.rollback() cannot be used in this migration"
    elif "with session.begin():" not in " ".join(lines):
        return False
    else:
        expected = "Can't operate on closed transaction"
    with pytest.raises(MigrationFailed) as failure:
        manager.run_migrations()
    assert expected in str(failure.value)
    return True


@pytest.mark.parametrize(
    ("lines", "left"),
    [
        (["note(session, 1)", "session.rollback()", "note(session, 2)"], [2]),
        (["session.rollback()", "note(session, 1)"], [1]),
        (["note(session, 1)", "session.rollback()", "session.rollback()", "note(session, 2)"], [2]),
        (
            [
                "note(session, 1)",
                "session.commit()",
                "note(session, 2)",
                "session.rollback()",
                "note(session, 3)",
                "session.rollback()",
                "note(session, 4)",
            ],
            [1, 4],
        ),
        (
            [
                "note(session, 1)",
                "session.rollback()",
                "note(session, 2)",
                "session.commit()",
                "note(session, 3)",
                "session.rollback()",
                "note(session, 4)",
                "session.commit()",
            ],
            [2, 4],
        ),
        (
            [
                "with session.begin():",
                "    note(session, 1)",
                "note(session, 2)",
                "session.rollback()",
                "note(session, 3)",
            ],
            [1, 3],
        ),
        (
            [
                "note(session, 1)",
                "session.commit()",
                "try:",
                "    with session.begin():",
                "        note(session, 2)",
                "        note(session, 1)  # already there: the block rolls back",
                "except Exception:",
                "    pass",
                "note(session, 3)",
            ],
            [1, 3],
        ),
        (
            [
                "try:",
                "    with session.begin():",
                "        note(session, 1)",
                "        note(session, 1)",
                "except Exception:",
                "    pass",
                "note(session, 2)",
            ],
            [2],
        ),
        (
            [
                "note(session, 1)",
                "nested = session.begin_nested()",
                "note(session, 2)",
                "nested.rollback()",
                "note(session, 3)",
            ],
            [1, 3],
        ),
    ],
    ids=[
        "before_any_commit",
        "first_thing",
        "twice",
        "after_a_commit",
        "both",
        "after_a_begin_block",
        "failed_block_after_a_commit",
        "failed_block_first",
        "own_savepoint",
    ],
)
def test_a_rollback_undoes_only_what_came_since_the_start_or_the_last_commit(
    database, notes, manager, lines, left
):
    notes("20260302_step", body=_step(*lines))

    if _refused_on_mariadb(database, manager, lines):
        return
    assert manager.run_migrations() == ["20260301_notes", "20260302_step"]
    assert [row["id"] for row in database.rows("notes")] == left
    assert database.migration_rows()["20260302_step"]["state"] == "applied"


@pytest.mark.parametrize("committed_first", [False, True], ids=["rolled_back", "committed"])
def test_a_step_that_fails_after_its_rollback_leaves_nothing_and_stays_pending(
    database, notes, manager, committed_first
):
    lines = ["note(session, 1)", "session.rollback()", "note(session, 2)"]
    if committed_first:
        lines += ["session.commit()", "note(session, 3)"]
    notes("20260302_step", body=_step(*lines, "raise RuntimeError('boom after the rollback')"))

    if _refused_on_mariadb(database, manager):
        return
    with pytest.raises(MigrationFailed, match="boom after the rollback"):
        manager.run_migrations()
    assert database.rows("notes") == []
    assert list(database.migration_rows()) == ["20260301_notes"]
    assert manager.status().pending == ["20260302_step"]


def test_a_rolled_back_session_can_still_write_orm_objects(database, notes, manager):
    notes(
        "20260302_step",
        body=STEP.format(
            body="\n".join(
                "        " + line
                for line in (
                    "from sqlalchemy import Column, Integer, MetaData, Table",
                    "notes = Table('notes', MetaData(), Column('id', Integer, primary_key=True))",
                    "session.execute(notes.insert().values(id=1))",
                    "session.rollback()",
                    "session.execute(notes.insert().values(id=2))",
                    "session.commit()",
                )
            )
        ),
    )

    if _refused_on_mariadb(database, manager):
        return
    manager.run_migrations()
    assert database.rows("notes") == [{"id": 2}]


def test_a_step_that_never_rolls_back_sends_no_savepoint(database, notes, manager):
    notes("20260302_step", body=_step("note(session, 1)", "note(session, 2)"))
    sent: list[str] = []

    def record(conn, cursor, statement, *args):
        sent.append(statement.split()[0].upper())

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        manager.run_migrations()
    finally:
        event.remove(database.engine, "before_cursor_execute", record)

    assert [row["id"] for row in database.rows("notes")] == [1, 2]
    assert "SAVEPOINT" not in sent
    assert "RELEASE" not in sent
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM migrations")).scalar() == 2


def test_a_rollback_on_sqlite_with_sqlalchemy_s_transaction_recipe(
    tmp_path, migrations_dir, write_migration
):
    """The recipe's BEGIN comes from a "begin" event: the step's transaction begun again after
    a rollback gets it too, and the step's DDL stays atomic with its row."""
    from sqlalchemy import inspect

    from flask_herogold_migrate import MigrationManager
    from tests.helpers import sqlite_recipe_engine

    engine = sqlite_recipe_engine(tmp_path / "recipe.db")

    first = "session.exec(text('CREATE TABLE {} (id INTEGER PRIMARY KEY)'))"
    write_migration(
        "20260301_kept",
        body=STEP.format(
            body="\n".join(
                f"        {line}"
                for line in (first.format("dropped"), "session.rollback()", first.format("kept"))
            )
        ),
    )
    write_migration(
        "20260302_failed",
        body=STEP.format(
            body="\n".join(
                f"        {line}"
                for line in (
                    first.format("gone"),
                    "session.rollback()",
                    first.format("gone_too"),
                    "raise RuntimeError('boom')",
                )
            )
        ),
    )
    manager = MigrationManager(migrations_dir, engine=engine)

    with pytest.raises(MigrationFailed, match="boom"):
        manager.run_migrations()

    assert set(inspect(engine).get_table_names()) == {"migrations", "migrations_digest", "kept"}
    assert manager.status().applied == ["20260301_kept"]
    engine.dispose()


def test_a_step_whose_commit_the_database_refuses_stays_pending(database, write_migration, manager):
    """A deferred constraint fails at COMMIT, after the step's statements ran: the step is
    neither applied nor recorded, and the steps before it stay."""
    deferred = "" if database.dialect == "mariadb" else " DEFERRABLE INITIALLY DEFERRED"
    write_migration(
        "20260301_tables",
        [
            "CREATE TABLE parent (id INTEGER PRIMARY KEY)",
            "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER"
            f" REFERENCES parent (id){deferred})",
        ],
        ["DROP TABLE child", "DROP TABLE parent"],
    )
    write_migration("20260302_orphan", "INSERT INTO child (id, parent_id) VALUES (1, 42)")

    if database.dialect == "sqlite":  # foreign keys are enforced only where the app turns them on
        assert manager.run_migrations() == ["20260301_tables", "20260302_orphan"]
        return
    with pytest.raises(MigrationFailed, match="20260302_orphan failed"):
        manager.run_migrations()
    assert database.rows("child") == []
    assert list(database.migration_rows()) == ["20260301_tables"]
    assert manager.status().pending == ["20260302_orphan"]
