"""``migrate:sql``: the script of a run, written without a database, applied with ``sqlite3``,
``psql`` or ``mysql``, gives the schema and the tracking rows ``migrate`` gives."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, make_url

from flask_herogold_migrate.__main__ import main
from tests.helpers import reflected
from tests.many_databases import servers  # noqa: F401  (the fixture)

OPERATIONS = """
import sqlalchemy as sa
from flask_herogold_migrate import Migration, schema


class CreateAuthorsAndPosts(Migration):
    def up(self, session):
        op = schema(session)
        op.create_table(
            "authors",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", sa.String(80), nullable=False, unique=True),
        )
        op.create_table(
            "posts",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("author_id", sa.Integer, sa.ForeignKey("authors.id"), nullable=False),
            sa.Column("title", sa.String(200), nullable=False),
            sa.Column("published", sa.Boolean, nullable=False, server_default=sa.false()),
        )
        op.create_index("ix_posts_title", "posts", ["title"])
        authors = sa.table("authors", sa.column("id", sa.Integer), sa.column("name", sa.String))
        op.bulk_insert(authors, [{"id": 1, "name": "Ada"}, {"id": 2, "name": "O'Brien"}])

    def down(self, session):
        op = schema(session)
        op.drop_table("posts")
        op.drop_table("authors")
"""

SQL_TEXT = """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class SeedPosts(Migration):
    def up(self, session):
        session.exec(
            text("INSERT INTO posts (id, author_id, title, published) VALUES (:id, :a, :t, :p)"),
            params={"id": 1, "a": 2, "t": "It's a 50% \\\\ chance; isn't it?", "p": True},
        )
        session.exec(text("CREATE TABLE tags (id INTEGER PRIMARY KEY, label VARCHAR(40))"))
        session.exec(text("INSERT INTO tags (id, label) VALUES (1, 'news')"))
        session.exec(
            text("INSERT INTO tags (id, label) VALUES (:id, :label)"),
            params=[{"id": 2, "label": "sport"}, {"id": 3, "label": "arts"}],
        )

    def down(self, session):
        session.exec(text("DROP TABLE tags"))
        session.exec(text("DELETE FROM posts WHERE id = 1"))
"""

READS_ROWS = """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class CountPosts(Migration):
    def up(self, session):
        count = session.exec(text("SELECT count(*) FROM posts")).scalar()
        session.exec(text(f"CREATE TABLE counted_{count} (id INTEGER PRIMARY KEY)"))

    def down(self, session):
        pass
"""


@pytest.fixture
def twin(database, servers, tmp_path):  # noqa: F811
    """A second empty database on the same server, for the real run to compare with."""
    if database.dialect == "sqlite":
        return f"sqlite:///{tmp_path / 'twin.db'}"
    return servers.database(database.dialect)


def apply(script: str, url: str, tmp_path: Path) -> None:
    """Apply ``script`` with the database's own command-line client."""
    path = tmp_path / "script.sql"
    path.write_text(script)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        command = ["sqlite3", "-bail", parsed.database]
    elif parsed.get_backend_name() == "postgresql":
        command = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", parsed.host or "127.0.0.1"]
        command += ["-p", str(parsed.port or 5432), "-U", parsed.username or "postgres"]
        command += ["-d", parsed.database, "-f", str(path)]
    else:
        command = ["mysql", "-h", parsed.host or "127.0.0.1", "-P", str(parsed.port or 3306)]
        command += ["-u", parsed.username or "root", parsed.database]
    with path.open() as handle:
        result = subprocess.run(command, stdin=handle, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr + script


def run(*args: str, url: str, directory: Path):
    return CliRunner().invoke(main, [*args, "--dir", str(directory), "--database-url", url])


def tracking(url: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT name, batch, checksum, state, applied_at FROM migrations ORDER BY name"
            ).all()
    finally:
        engine.dispose()
    assert all(row[4] is not None for row in rows)
    return [tuple(row[:4]) for row in rows]


def state(url: str) -> dict:
    engine = create_engine(url)
    try:
        return reflected(engine)
    finally:
        engine.dispose()


def test_the_script_gives_the_schema_and_rows_of_a_real_run(
    database, twin, migrations_dir, write_migration, tmp_path
):
    write_migration("20260301_authors_and_posts", body=OPERATIONS)
    write_migration("20260302_seed_posts", body=SQL_TEXT)

    script = run("migrate:sql", url=database.url, directory=migrations_dir)

    assert script.exit_code == 0, script.output
    assert database.table_names() == set()  # written without touching the database
    if database.dialect in ("sqlite", "postgresql"):
        assert script.output.count("BEGIN;") == 2 and script.output.count("COMMIT;") == 2
    else:  # DDL commits on its own: no transaction to wrap it in
        assert "BEGIN;" not in script.output
    apply(script.output, database.url, tmp_path)
    real = run("migrate", url=twin, directory=migrations_dir)
    assert real.exit_code == 0, real.output

    assert state(database.url) == state(twin)
    assert state(database.url)["posts"]["rows"] != []
    assert len(state(database.url)["tags"]["rows"]) == 3
    assert tracking(database.url) == tracking(twin)
    assert [row[1] for row in tracking(twin)] == [1, 1]


def test_a_script_from_an_applied_migration_adds_a_batch(
    database, twin, migrations_dir, write_migration, tmp_path
):
    write_migration("20260301_authors_and_posts", body=OPERATIONS)
    for url in (database.url, twin):
        assert run("migrate", url=url, directory=migrations_dir).exit_code == 0
    write_migration("20260302_seed_posts", body=SQL_TEXT)

    script = run(
        "migrate:sql", "--from", "authors_and_posts", url=database.url, directory=migrations_dir
    )

    assert script.exit_code == 0, script.output
    assert "CREATE TABLE migrations" not in script.output
    apply(script.output, database.url, tmp_path)
    assert run("migrate", url=twin, directory=migrations_dir).exit_code == 0
    assert state(database.url) == state(twin)
    assert tracking(database.url) == tracking(twin)
    assert [row[1] for row in tracking(twin)] == [1, 2]


def test_a_rollback_script_undoes_and_deletes_the_rows(
    database, twin, migrations_dir, write_migration, tmp_path
):
    write_migration("20260301_authors_and_posts", body=OPERATIONS)
    write_migration("20260302_seed_posts", body=SQL_TEXT)
    assert run("migrate", url=database.url, directory=migrations_dir).exit_code == 0
    assert run("migrate", "--target", "authors_and_posts", url=twin, directory=migrations_dir)

    script = run(
        "migrate:sql",
        "--rollback",
        "--from",
        "authors_and_posts",
        url=database.url,
        directory=migrations_dir,
    )

    assert script.exit_code == 0, script.output
    apply(script.output, database.url, tmp_path)
    assert state(database.url) == state(twin)
    assert tracking(database.url) == tracking(twin)


def test_a_migration_that_reads_rows_is_refused_or_left_as_a_comment(
    tmp_path, migrations_dir, write_migration
):
    write_migration("20260301_authors_and_posts", body=OPERATIONS)
    write_migration("20260302_count_posts", body=READS_ROWS)
    url = f"sqlite:///{tmp_path / 'never.db'}"

    refused = run("migrate:sql", url=url, directory=migrations_dir)

    assert refused.exit_code == 1
    assert refused.output.startswith(
        "Error: Migration 20260302_count_posts cannot be rendered as SQL without a database: "
        "it uses the result of a statement ('SELECT count(*) FROM posts': .scalar)."
    )
    assert "Traceback" not in refused.output

    kept = CliRunner().invoke(
        main,
        ["migrate:sql", "--skip-unrenderable", "--dialect", "sqlite", "--dir", str(migrations_dir)],
    )
    assert kept.exit_code == 0, kept.output
    assert "-- 20260302_count_posts was left out: it uses the result of a statement" in kept.stdout
    assert "--           count = session.exec(" in kept.stdout
    assert "'20260302_count_posts'" not in kept.stdout  # no tracking row for it
    assert "Warning: 20260302_count_posts was left out" in kept.stderr
    assert not (tmp_path / "never.db").exists()


def test_the_dialect_option_needs_no_database(migrations_dir, write_migration):
    write_migration("20260301_authors_and_posts", body=OPERATIONS)

    result = CliRunner().invoke(
        main,
        [
            "migrate:sql",
            "--dialect",
            "mariadb",
            "--to",
            "authors_and_posts",
            "--dir",
            str(migrations_dir),
        ],
    )

    assert result.exit_code == 0, result.output
    assert "CREATE TABLE migrations" in result.output
    assert "COLLATE utf8mb4_bin" in result.output
    assert "UTC_TIMESTAMP()" in result.output
