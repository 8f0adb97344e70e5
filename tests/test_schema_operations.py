"""Schema operations, ``op = schema(session)``: each one in up() and its inverse in down(), on
SQLite, PostgreSQL and MariaDB, and a step that fails after them. Where DDL is transactional
the failure leaves the schema and the tracking table exactly as they were; on MariaDB, where
DDL commits on its own, the step is recorded as failed and migrate:repair clears it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from flask_herogold_migrate import MigrationFailed, schema
from tests.helpers import reflected

BASE = """
import sqlalchemy as sa
from flask_herogold_migrate import Migration, schema

AUTHORS = sa.table("authors", sa.column("id"), sa.column("name"))
BOOKS = sa.table("books", sa.column("id"), sa.column("author_id"), sa.column("title"))


class Base(Migration):
    def up(self, session):
        op = schema(session)
        op.create_table(
            "authors",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", sa.String(50), nullable=False),
        )
        op.create_table(
            "books",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("author_id", sa.Integer, nullable=False),
            sa.Column("title", sa.String(100)),
            sa.Column("pages", sa.Integer),
            sa.ForeignKeyConstraint(["author_id"], ["authors.id"], name="fk_books_author"),
        )
        op.create_index("ix_books_author_id", "books", ["author_id"])
        op.create_table(
            "notes",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("author_id", sa.Integer),
            sa.Column("body", sa.String(100)),
        )
        # MariaDB gives a foreign key an index of its own unless one exists already.
        op.create_index("ix_notes_author_id", "notes", ["author_id"])
        op.bulk_insert(AUTHORS, [{"id": 1, "name": "Ada"}, {"id": 2, "name": "Grace"}])
        op.bulk_insert(
            BOOKS,
            [{"id": 1, "author_id": 1, "title": "A"}, {"id": 2, "author_id": 2, "title": None}],
        )

    def down(self, session):
        op = schema(session)
        op.drop_table("notes")
        op.drop_table("books")
        op.drop_table("authors")
"""

STEP = """
import sqlalchemy as sa
from sqlalchemy import text
from flask_herogold_migrate import Migration, schema

AUTHORS = sa.table("authors", sa.column("id"), sa.column("name"))


def forward(op):
{up}


def backward(op):
{down}


class Step(Migration):
    def up(self, session):
        forward(schema(session))
{fail_up}
    def down(self, session):
        backward(schema(session))
{fail_down}
"""

# Raw SQL through the session after the operations, in the same step: it fails.
FAIL = '        session.exec(text("SELECT * FROM no_such_table"))\n'


def columns(state: dict, table: str) -> list[str]:
    return [column[0] for column in state[table]["columns"]]


def names(state: dict, table: str, kind: str) -> list[str]:
    return [entry[0] for entry in state[table][kind]]


def case(
    name: str, up: str, down: str, changed: Callable[[dict], bool], *, ddl: bool = True
) -> object:
    return pytest.param(textwrap.dedent(up), textwrap.dedent(down), changed, ddl, id=name)


CASES = [
    case(
        "create_table",
        """
        op.create_table(
            "tags", sa.Column("id", sa.Integer, primary_key=True), sa.Column("label", sa.String(50))
        )
        """,
        'op.drop_table("tags")',
        lambda s: "tags" in s,
    ),
    case(
        "add_column",
        'op.add_column("books", sa.Column("isbn", sa.String(20)))',
        'op.drop_column("books", "isbn")',
        lambda s: "isbn" in columns(s, "books"),
    ),
    case(
        "alter_column",
        """
        with op.batch_alter_table("authors") as batch:
            batch.alter_column(
                "name", existing_type=sa.String(50), type_=sa.String(200), nullable=True
            )
        """,
        """
        with op.batch_alter_table("authors") as batch:
            batch.alter_column(
                "name", existing_type=sa.String(200), type_=sa.String(50), nullable=False
            )
        """,
        lambda s: "200" in s["authors"]["columns"][1][1] and s["authors"]["columns"][1][2],
    ),
    case(
        "rename_table",
        'op.rename_table("notes", "memos")',
        'op.rename_table("memos", "notes")',
        lambda s: "memos" in s and "notes" not in s,
    ),
    case(
        "rename_column",
        """
        op.alter_column(
            "authors", "name", new_column_name="full_name",
            existing_type=sa.String(50), existing_nullable=False,
        )
        """,
        """
        op.alter_column(
            "authors", "full_name", new_column_name="name",
            existing_type=sa.String(50), existing_nullable=False,
        )
        """,
        lambda s: "full_name" in columns(s, "authors"),
    ),
    case(
        "create_index",
        'op.create_index("ix_books_title", "books", ["title"], unique=True)',
        'op.drop_index("ix_books_title", table_name="books")',
        lambda s: "ix_books_title" in names(s, "books", "indexes"),
    ),
    case(
        "foreign_key",
        """
        with op.batch_alter_table("notes") as batch:
            batch.create_foreign_key("fk_notes_author", "authors", ["author_id"], ["id"])
        """,
        """
        with op.batch_alter_table("notes") as batch:
            batch.drop_constraint("fk_notes_author", type_="foreignkey")
        """,
        lambda s: "fk_notes_author" in names(s, "notes", "foreign_keys"),
    ),
    case(
        "unique_constraint",
        """
        with op.batch_alter_table("authors") as batch:
            batch.create_unique_constraint("uq_authors_name", ["name"])
        """,
        """
        with op.batch_alter_table("authors") as batch:
            batch.drop_constraint("uq_authors_name", type_="unique")
        """,
        lambda s: "uq_authors_name" in names(s, "authors", "unique"),
    ),
    case(
        "check_constraint",
        """
        with op.batch_alter_table("books") as batch:
            batch.create_check_constraint("ck_books_pages", "pages >= 0")
        """,
        """
        with op.batch_alter_table("books") as batch:
            batch.drop_constraint("ck_books_pages", type_="check")
        """,
        lambda s: "ck_books_pages" in names(s, "books", "checks"),
    ),
    case(
        "bulk_insert",
        'op.bulk_insert(AUTHORS, [{"id": 3, "name": "Lin"}, {"id": 4, "name": "Mo"}])',
        "op.execute(AUTHORS.delete().where(AUTHORS.c.id > 2))",
        lambda s: len(s["authors"]["rows"]) == 4,
        ddl=False,
    ),
    case(
        "execute",
        "op.execute(\"UPDATE books SET title = 'Z' WHERE id = 1\")",
        "op.execute(\"UPDATE books SET title = 'A' WHERE id = 1\")",
        lambda s: ("1", "1", "Z", "None") in s["books"]["rows"],
        ddl=False,
    ),
    case(
        "batch_alter_table",
        """
        with op.batch_alter_table("books") as batch:
            batch.add_column(sa.Column("isbn", sa.String(20), server_default=sa.text("'none'")))
            batch.alter_column("title", existing_type=sa.String(100), type_=sa.String(200))
            batch.create_index("ix_books_isbn", ["isbn"])
        """,
        """
        with op.batch_alter_table("books") as batch:
            batch.drop_index("ix_books_isbn")
            batch.alter_column("title", existing_type=sa.String(200), type_=sa.String(100))
            batch.drop_column("isbn")
        """,
        lambda s: "ix_books_isbn" in names(s, "books", "indexes"),
    ),
]


def by_hand(engine, path: Path, function: str) -> None:
    """Run the step's forward() or backward() outside the runner: a repair by hand."""
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    with engine.begin() as conn:
        namespace[function](schema(Session(bind=conn)))


@pytest.mark.parametrize(("up", "down", "changed", "ddl"), CASES)
def test_operation_in_up_and_down_and_in_a_failing_step(
    database, manager, migrations_dir: Path, up: str, down: str, changed, ddl: bool
):
    (migrations_dir / "20250101_base.py").write_text(BASE)
    assert manager.run_migrations() == ["20250101_base"]
    before, tracked = reflected(database.engine), database.migration_rows()
    path = migrations_dir / "20250102_step.py"
    kept_on_failure = database.dialect == "mariadb" and ddl  # the DDL had committed

    def write(fail_up: str = "", fail_down: str = "") -> None:
        body = STEP.format(
            up=textwrap.indent(up.strip(), "    "),
            down=textwrap.indent(down.strip(), "    "),
            fail_up=fail_up,
            fail_down=fail_down,
        )
        path.write_text(body)

    write(fail_up=FAIL)
    with pytest.raises(MigrationFailed) as failure:
        manager.run_migrations()
    assert failure.value.recorded_failed == kept_on_failure
    if kept_on_failure:
        assert database.migration_rows()["20250102_step"]["state"] == "failed"
        by_hand(database.engine, path, "backward")
        assert manager.repair().removed == ["20250102_step"]
    assert reflected(database.engine) == before
    assert database.migration_rows() == tracked

    write()
    assert manager.run_migrations() == ["20250102_step"]
    after = reflected(database.engine)
    assert changed(after) and not changed(before)
    assert manager.rollback() == ["20250102_step"]
    assert reflected(database.engine) == before
    assert database.migration_rows() == tracked

    write(fail_down=FAIL)
    manager.run_migrations()
    applied = database.migration_rows()
    with pytest.raises(MigrationFailed) as failure:
        manager.rollback()
    assert failure.value.recorded_failed == kept_on_failure
    if kept_on_failure:
        assert database.migration_rows()["20250102_step"]["state"] == "failed_down"
        by_hand(database.engine, path, "forward")
        assert manager.repair().restored == ["20250102_step"]
    assert reflected(database.engine) == after
    assert database.migration_rows() == applied


ONE_OPERATION = """
import sqlalchemy as sa
from flask_herogold_migrate import Migration, schema


class Step(Migration):
    def up(self, session):
        schema(session).{call}

    def down(self, session):
        pass
"""


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "call",
    [
        'alter_column("authors", "name", existing_type=sa.String(50), type_=sa.String(200))',
        'alter_column("authors", "name", existing_type=sa.String(50), nullable=True)',
        'create_unique_constraint("uq_authors_name", "authors", ["name"])',
        'drop_constraint("fk_books_author", "books", type_="foreignkey")',
    ],
    ids=["type", "nullable", "add_constraint", "drop_constraint"],
)
def test_what_sqlite_cannot_alter_outside_batch_mode_names_batch_alter_table(
    cli, database, migrations_dir: Path, call: str
):
    (migrations_dir / "20250101_base.py").write_text(BASE)
    (migrations_dir / "20250102_step.py").write_text(ONE_OPERATION.format(call=call))
    assert cli("migrate", "--target", "20250101_base").exit_code == 0
    before, tracked = reflected(database.engine), database.migration_rows()

    result = cli("migrate")

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    message = result.output.splitlines()[-1]
    assert message.startswith("Error: Migration 20250102_step failed in up(): BatchModeRequired: ")
    method = call.partition("(")[0]
    table = "books" if "books" in call else "authors"
    assert "must run in batch mode" in message
    assert f'with op.batch_alter_table("{table}") as batch: batch.{method}(...)' in message
    assert reflected(database.engine) == before
    assert database.migration_rows() == tracked


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
def test_a_failure_in_a_single_transaction_undoes_the_operations_of_the_whole_run(
    database, manager, migrations_dir: Path
):
    (migrations_dir / "20250101_base.py").write_text(BASE)
    manager.run_migrations()
    before, tracked = reflected(database.engine), database.migration_rows()
    rename = STEP.format(
        up='    op.rename_table("notes", "memos")',
        down='    op.rename_table("memos", "notes")',
        fail_up="",
        fail_down="",
    )
    (migrations_dir / "20250102_rename.py").write_text(rename)
    drop = STEP.format(up='    op.drop_table("memos")', down="    pass", fail_up=FAIL, fail_down="")
    (migrations_dir / "20250103_drop.py").write_text(drop)
    manager.single_transaction = True

    with pytest.raises(MigrationFailed, match="single transaction was rolled back"):
        manager.run_migrations()

    assert reflected(database.engine) == before
    assert database.migration_rows() == tracked


NON_TRANSACTIONAL_INDEX = """
import sqlalchemy as sa
from flask_herogold_migrate import Migration, schema


class IndexTitles(Migration):
    transactional = False

    def up(self, session):
        schema(session).create_index(
            "ix_books_title", "books", ["title"], postgresql_concurrently=True
        )

    def down(self, session):
        schema(session).drop_index("ix_books_title", "books", postgresql_concurrently=True)
"""


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_create_index_concurrently_in_a_migration_outside_transactions(
    database, manager, migrations_dir: Path
):
    (migrations_dir / "20250101_base.py").write_text(BASE)
    (migrations_dir / "20250102_index.py").write_text(NON_TRANSACTIONAL_INDEX)
    statements: list[str] = []
    event.listen(database.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    assert manager.run_migrations(target="20250101_base") == ["20250101_base"]
    assert manager.run_migrations() == ["20250102_index"]
    assert "ix_books_title" in names(reflected(database.engine), "books", "indexes")
    assert manager.rollback() == ["20250102_index"]

    assert "ix_books_title" not in names(reflected(database.engine), "books", "indexes")
    concurrently = [s for s in statements if "CONCURRENTLY" in s]
    assert [s.split()[:3] for s in concurrently] == [
        ["CREATE", "INDEX", "CONCURRENTLY"],
        ["DROP", "INDEX", "CONCURRENTLY"],
    ]


NO_OP_PATHS = """
import sys
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from flask_herogold_migrate import HerogoldMigrate

app = Flask("probe")
app.config["SQLALCHEMY_DATABASE_URI"] = sys.argv[1]
app.config["HEROGOLD_MIGRATE_DIR"] = sys.argv[2]
app.config["HEROGOLD_MIGRATE_AUTO"] = True
db = SQLAlchemy(app)
HerogoldMigrate(app, db)  # the startup check
for command in ("migrate", "migrate:status"):
    result = app.test_cli_runner().invoke(args=[command])
    assert result.exit_code == 0, result.output
print(sorted(name for name in sys.modules if name.partition(".")[0] == "alembic"))
"""


def test_the_no_op_paths_import_no_alembic(database, manager, migrations_dir: Path):
    (migrations_dir / "20250101_base.py").write_text(BASE)
    manager.run_migrations()

    probe = subprocess.run(
        [sys.executable, "-c", NO_OP_PATHS, database.url, str(migrations_dir)],
        capture_output=True,
        text=True,
    )

    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == "[]"
