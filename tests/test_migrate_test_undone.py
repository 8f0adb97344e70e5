"""The round trip catches each kind of change a ``down()`` leaves behind, named and described
as reflection sees it, on SQLite, PostgreSQL and MariaDB: a column's type, nullability and
default, an index, a unique constraint, a foreign key's options, a table. A snapshot reflects
only the tables whose fingerprint changed, so each of these must change it.

Tables of another schema are not the check's: a change to one is not reported, and a table
of the same name there hides no change to the migrated one.
"""

from __future__ import annotations

import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from flask_herogold_migrate.core import run_checks

CREATE_TABLES = """
import sqlalchemy as sa
from flask_herogold_migrate import Migration, schema


class CreateTables(Migration):
    def up(self, session):
        op = schema(session)
        op.create_table("authors", sa.Column("id", sa.Integer, primary_key=True))
        op.create_table(
            "posts",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("title", sa.String(100)),
            sa.Column("body", sa.String(50), nullable=False, server_default="x"),
            sa.Column("slug", sa.String(40)),
            sa.Column("author_id", sa.Integer),
            sa.ForeignKeyConstraint(["author_id"], ["authors.id"], name="fk_posts_author"),
        )

    def down(self, session):
        op = schema(session)
        op.drop_table("posts")
        op.drop_table("authors")
"""

LEAVES_TABLE = """
import sqlalchemy as sa
from flask_herogold_migrate import Migration, schema


class CreateTags(Migration):
    def up(self, session):
        schema(session).create_table("tags", sa.Column("id", sa.Integer, primary_key=True))

    def down(self, session):
        pass
"""


def alters_posts(up: str, down: str) -> str:
    """A migration altering ``posts`` in batch mode (a table rebuild on SQLite)."""
    return textwrap.dedent(
        """
        import sqlalchemy as sa
        from flask_herogold_migrate import Migration, schema


        class AlterPosts(Migration):
            def up(self, session):
                with schema(session).batch_alter_table("posts") as batch:
        {up}

            def down(self, session):
                with schema(session).batch_alter_table("posts") as batch:
        {down}
        """
    ).format(up=textwrap.indent(up, " " * 12), down=textwrap.indent(down, " " * 12))


FOREIGN_KEY = (
    'batch.drop_constraint("fk_posts_author", type_="foreignkey")\n'
    'batch.create_foreign_key("fk_posts_author", "authors", ["author_id"], ["id"], '
    'ondelete="{}")'
)

# Each down() undoes its up() but for one thing, which the round trip names.
UNDONE = {
    "20260101_create_tables": CREATE_TABLES,
    "20260102_widen_title": alters_posts(
        'batch.alter_column("title", type_=sa.String(200), existing_type=sa.String(100))',
        'batch.alter_column("title", type_=sa.String(150), existing_type=sa.String(200))',
    ),
    "20260103_require_title": alters_posts(
        'batch.alter_column("title", nullable=False, existing_type=sa.String(200))', "pass"
    ),
    "20260104_body_default": alters_posts(
        'batch.alter_column("body", server_default="y", existing_type=sa.String(50), '
        "existing_nullable=False)",
        'batch.alter_column("body", server_default="z", existing_type=sa.String(50), '
        "existing_nullable=False)",
    ),
    "20260105_index_slug": alters_posts('batch.create_index("ix_posts_slug", ["slug"])', "pass"),
    "20260106_unique_slug": alters_posts(
        'batch.create_unique_constraint("uq_posts_slug", ["slug"])', "pass"
    ),
    "20260107_cascade_author": alters_posts(
        FOREIGN_KEY.format("CASCADE"), FOREIGN_KEY.format("SET NULL")
    ),
    "20260108_create_tags": LEAVES_TABLE,
}

#: A string default as each database reflects it.
DEFAULT = {"sqlite": "'{}'", "postgresql": "'{}'::character varying", "mariadb": "'{}'"}


def write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(exist_ok=True)
    for stem, source in files.items():
        (directory / f"{stem}.py").write_text(source)
    return directory


def dialect_of(url: str) -> str:
    backend = make_url(url).get_backend_name()
    return "mariadb" if backend == "mysql" else backend


def test_each_change_a_down_leaves_is_named_with_what_it_was(database_server, tmp_path):
    default = DEFAULT[dialect_of(database_server)]

    report = run_checks(database_server, write(tmp_path / "migrations", UNDONE))

    first_problem = {
        result.migration: result.problems[0]
        for result in report.results
        if result.check == "round_trip" and result.failed
    }
    assert first_problem == {
        "20260102_widen_title": "down() left column posts.title changed: VARCHAR(150); "
        "before up(): VARCHAR(100)",
        "20260103_require_title": "down() left column posts.title changed: VARCHAR(200) "
        "NOT NULL; before up(): VARCHAR(200)",
        "20260104_body_default": "down() left column posts.body changed: VARCHAR(50) NOT NULL "
        f"DEFAULT {default.format('z')}; before up(): VARCHAR(50) NOT NULL "
        f"DEFAULT {default.format('x')}",
        "20260105_index_slug": "down() left index ix_posts_slug",
        "20260106_unique_slug": "down() left unique constraint uq_posts_slug",
        "20260107_cascade_author": "down() left foreign key fk_posts_author changed: "
        "posts(author_id) -> authors(id) ONDELETE SET NULL; before up(): "
        "posts(author_id) -> authors(id)",
        "20260108_create_tags": "down() left table tags",
    }
    assert report.result("round_trip", "20260101_create_tables").outcome == "passed"
    assert all(r.outcome == "passed" for r in report.results if r.check == "from_empty")


@pytest.fixture
def other_schema(database_server: str) -> Iterator[str]:
    """Where the migrations below keep a table ``posts`` of their own: a schema they make in
    the throwaway database (PostgreSQL), a database beside it on the server (MariaDB)."""
    dialect = dialect_of(database_server)
    if dialect == "postgresql":
        yield "other"
        return
    name = f"hgm_other_{uuid.uuid4().hex[:8]}"
    admin = create_engine(database_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
        conn.execute(text(f"CREATE TABLE {name}.posts (id INTEGER PRIMARY KEY, title TEXT)"))
    try:
        yield name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE {name}"))
        admin.dispose()


# SQLite has no other schema but an attached database file: the servers only.
@pytest.mark.parametrize("database_server", ["postgresql", "mariadb"], indirect=True)
def test_tables_of_another_schema_are_left_out(
    database_server, other_schema, migrations_dir, write_migration
):
    other_posts = f"{other_schema}.posts"
    # PostgreSQL's schema is the migrations' own, in the throwaway database; the MariaDB
    # database beside it is the test's, there before and after.
    own = dialect_of(database_server) == "postgresql"
    write_migration(
        "20260101_create_posts",
        [
            *([f"CREATE SCHEMA {other_schema}"] if own else []),
            *([f"CREATE TABLE {other_posts} (id INTEGER PRIMARY KEY, title TEXT)"] if own else []),
            "CREATE TABLE posts (id INTEGER PRIMARY KEY, title VARCHAR(100))",
        ],
        ["DROP TABLE posts", *([f"DROP SCHEMA {other_schema} CASCADE"] if own else [])],
    )
    # Changes the other schema's posts and makes a table there, and leaves them.
    write_migration(
        "20260102_change_the_other_schema",
        [
            f"ALTER TABLE {other_posts} ADD COLUMN IF NOT EXISTS note TEXT",
            f"CREATE INDEX IF NOT EXISTS ix_other_posts_id ON {other_posts} (id)",
            f"CREATE TABLE IF NOT EXISTS {other_schema}.extra (id INTEGER)",
        ],
    )
    # Changes this schema's posts, and leaves them changed.
    write_migration("20260103_index_title", "CREATE INDEX ix_posts_title ON posts (title)")

    report = run_checks(database_server, migrations_dir)

    outcomes = {r.migration: r.outcome for r in report.results if r.check == "round_trip"}
    assert outcomes == {
        "20260101_create_posts": "passed",
        "20260102_change_the_other_schema": "passed",
        "20260103_index_title": "failed",
    }
    problems = report.result("round_trip", "20260103_index_title").problems
    assert problems[0] == "down() left index ix_posts_title"


VIEWS = {
    "20260101_create_posts": """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class CreatePosts(Migration):
    def up(self, session):
        session.exec(text("CREATE TABLE posts (id INTEGER PRIMARY KEY, title VARCHAR(100), "
                          "slug VARCHAR(40))"))
        session.exec(text("CREATE VIEW listing AS SELECT id, title FROM posts"))

    def down(self, session):
        session.exec(text("DROP VIEW listing"))
        session.exec(text("DROP TABLE posts"))
""",
    # Restores the view as it was, laid out differently: not a change.
    "20260102_titles_with_slugs": """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class TitlesWithSlugs(Migration):
    def up(self, session):
        session.exec(text("DROP VIEW listing"))
        session.exec(text("CREATE VIEW listing AS SELECT id, title, slug FROM posts"))

    def down(self, session):
        session.exec(text("DROP VIEW listing"))
        session.exec(text("CREATE VIEW listing AS  SELECT id,\\n title FROM posts"))
""",
    # Puts back a view other than the one it replaced.
    "20260103_titles_only_again": """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class TitlesOnlyAgain(Migration):
    def up(self, session):
        session.exec(text("DROP VIEW listing"))
        session.exec(text("CREATE VIEW listing AS SELECT id, title FROM posts"))

    def down(self, session):
        session.exec(text("DROP VIEW listing"))
        session.exec(text("CREATE VIEW listing AS SELECT id, slug FROM posts"))
""",
}


def test_a_view_down_puts_back_otherwise_is_named(database_server, tmp_path):
    report = run_checks(database_server, write(tmp_path / "migrations", VIEWS))

    failed = {r.migration: r.problems for r in report.results if r.failed}
    assert list(failed) == ["20260103_titles_only_again"]
    (problem,) = failed["20260103_titles_only_again"]
    prefix = "down() left view listing changed: "
    assert problem.startswith(prefix)
    # After down(): id and slug; before up(): id, title and slug (as 20260102 made it).
    now, was = problem.removeprefix(prefix).split("; before up(): ")
    assert "title" not in now
    assert "slug" in now
    assert "title" in was
    assert "hgm_" not in problem  # no database name in the definitions
