"""SQLite with foreign keys on: a table rebuild (batch mode) loses no row that references the
table, and a step that leaves a reference pointing nowhere fails, says where, and is undone.

While steps run, foreign keys are off (set outside the transaction, where the pragma works),
``PRAGMA foreign_key_check`` runs before each commit, and they are on again afterwards, as
SQLite's documentation prescribes for schema changes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine

from flask_herogold_migrate import MigrationFailed, MigrationManager
from tests.helpers import reflected

pytestmark = pytest.mark.parametrize("database", ["sqlite"], indirect=True)

BASE = """
import sqlalchemy as sa
from flask_herogold_migrate import Migration, schema


class Base(Migration):
    def up(self, session):
        op = schema(session)
        op.create_table(
            "authors",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", sa.String(50)),
        )
        op.create_table(
            "books",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("author_id", sa.Integer, sa.ForeignKey("authors.id", ondelete="CASCADE")),
        )
        op.bulk_insert(
            sa.table("authors", sa.column("id"), sa.column("name")),
            [{"id": 1, "name": "Ada"}, {"id": 2, "name": "Grace"}],
        )
        op.bulk_insert(
            sa.table("books", sa.column("id"), sa.column("author_id")),
            [{"id": 1, "author_id": 1}, {"id": 2, "author_id": 1}, {"id": 3, "author_id": 2}],
        )

    def down(self, session):
        op = schema(session)
        op.drop_table("books")
        op.drop_table("authors")
"""

RENAME_PARENT_COLUMN = """
from flask_herogold_migrate import Migration, schema


class RenameName(Migration):
    transactional = {transactional}

    def up(self, session):
        with schema(session).batch_alter_table("authors") as batch:
            batch.alter_column("name", new_column_name="full_name")

    def down(self, session):
        with schema(session).batch_alter_table("authors") as batch:
            batch.alter_column("full_name", new_column_name="name")
"""

DELETE_PARENT = """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class DeleteAda(Migration):
    def up(self, session):
        session.exec(text("DELETE FROM authors WHERE id = 1"))

    def down(self, session):
        pass
"""


@pytest.fixture
def enforcing(database) -> Iterator[Engine]:
    """The test database with foreign keys on for every connection, as an app sets them."""
    engine = create_engine(database.url)
    event.listen(engine, "connect", lambda dbapi, _: dbapi.execute("PRAGMA foreign_keys = ON"))
    yield engine
    engine.dispose()


def books(engine: Engine) -> list[tuple[int, int]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text("SELECT * FROM books ORDER BY id"))]


@pytest.mark.parametrize(
    ("single_transaction", "transactional"),
    [(False, True), (True, True), (False, False)],
    ids=["per-migration", "single-transaction", "outside-transactions"],
)
def test_rebuilding_a_parent_table_keeps_every_row_that_references_it(
    database, enforcing: Engine, migrations_dir: Path, single_transaction: bool, transactional
):
    (migrations_dir / "20250101_base.py").write_text(BASE)
    manager = MigrationManager(migrations_dir, engine=enforcing)
    manager.run_migrations()
    kept = books(enforcing)
    (migrations_dir / "20250102_rename.py").write_text(
        RENAME_PARENT_COLUMN.format(transactional=transactional)
    )
    manager.single_transaction = single_transaction

    assert manager.run_migrations() == ["20250102_rename"]
    assert [c[0] for c in reflected(enforcing)["authors"]["columns"]] == ["id", "full_name"]
    assert books(enforcing) == kept
    assert manager.rollback() == ["20250102_rename"]
    assert books(enforcing) == kept


@pytest.mark.parametrize("single_transaction", [False, True], ids=["per-migration", "single"])
def test_a_step_leaving_a_reference_to_nothing_fails_listing_it(
    database, enforcing: Engine, migrations_dir: Path, single_transaction: bool
):
    (migrations_dir / "20250101_base.py").write_text(BASE)
    manager = MigrationManager(migrations_dir, engine=enforcing)
    manager.run_migrations()
    before, tracked = reflected(enforcing), database.migration_rows()
    (migrations_dir / "20250102_delete.py").write_text(DELETE_PARENT)
    manager.single_transaction = single_transaction

    with pytest.raises(MigrationFailed) as failure:
        manager.run_migrations()

    message = str(failure.value)
    assert message.startswith(
        "Migration 20250102_delete failed in up(): ForeignKeyViolations: PRAGMA "
        "foreign_key_check found 2 broken references: books row 1 references a missing "
        "authors row; books row 2 references a missing authors row."
    )
    assert [(v.table, v.rowid, v.parent) for v in failure.value.error.violations] == [
        ("books", 1, "authors"),
        ("books", 2, "authors"),
    ]
    assert reflected(enforcing) == before
    assert database.migration_rows() == tracked


def test_with_foreign_keys_off_nothing_is_checked(database, manager, migrations_dir: Path):
    (migrations_dir / "20250101_base.py").write_text(BASE)
    (migrations_dir / "20250102_delete.py").write_text(DELETE_PARENT)

    assert manager.run_migrations() == ["20250101_base", "20250102_delete"]
    assert books(database.engine) == [(1, 1), (2, 1), (3, 2)]  # as SQLite allows without them


def test_foreign_keys_are_on_again_after_the_run(migrations_dir: Path, database):
    # A memory database shares its one connection with the run, so the run's setting shows.
    engine = create_engine("sqlite://")
    event.listen(engine, "connect", lambda dbapi, _: dbapi.execute("PRAGMA foreign_keys = ON"))
    (migrations_dir / "20250101_base.py").write_text(BASE)
    (migrations_dir / "20250102_rename.py").write_text(
        RENAME_PARENT_COLUMN.format(transactional=True)
    )

    assert len(MigrationManager(migrations_dir, engine=engine).run_migrations()) == 2

    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert len(conn.exec_driver_sql("SELECT * FROM books").all()) == 3
    engine.dispose()
