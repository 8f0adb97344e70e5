"""``migrate:test``: the migrations checked on a throwaway database, on SQLite, PostgreSQL and
MariaDB; a failure names the migration and the object; the app's own database is never
touched, and no throwaway database outlives a run, passing, failing or interrupted."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Column, String, create_engine, make_url, text

from example_app import create_app, db
from flask_herogold_migrate.__main__ import main as standalone_main
from flask_herogold_migrate.core.testing.throwaway import NAME_PREFIX
from tests.helpers import example_models, snapshot

ROOT = Path(__file__).parent.parent

CREATE_POSTS = """
import sqlalchemy as sa
from flask_herogold_migrate import Migration, schema


class CreatePosts(Migration):
    def up(self, session):
        schema(session).create_table(
            "posts",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("title", sa.String(100)),
        )

    def down(self, session):
        schema(session).drop_table("posts")
"""

# Each down() forgets what its up() made: an index, a column, a table.
FORGETS_INDEX = """
from flask_herogold_migrate import Migration, schema


class IndexTitle(Migration):
    def up(self, session):
        schema(session).create_index("ix_posts_title", "posts", ["title"])

    def down(self, session):
        pass
"""
FORGETS_COLUMN = """
import sqlalchemy as sa
from flask_herogold_migrate import Migration, schema


class AddBody(Migration):
    def up(self, session):
        schema(session).add_column("posts", sa.Column("body", sa.Text))

    def down(self, session):
        pass
"""
FORGETS_TABLE = """
import sqlalchemy as sa
from flask_herogold_migrate import Migration, schema


class CreateTags(Migration):
    def up(self, session):
        schema(session).create_table("tags", sa.Column("id", sa.Integer, primary_key=True))

    def down(self, session):
        pass
"""
# down() drops an index that was there before up(), and leaves the column as up() made it.
WIDENS_TITLE = """
import sqlalchemy as sa
from flask_herogold_migrate import Migration, schema


class WidenTitle(Migration):
    def up(self, session):
        with schema(session).batch_alter_table("posts") as batch:
            batch.alter_column("title", type_=sa.String(200), existing_type=sa.String(100))

    def down(self, session):
        schema(session).drop_index("ix_posts_title", table_name="posts")
"""
CREATE_AUTHORS = """
import sqlalchemy as sa
from flask_herogold_migrate import Migration, schema


class CreateAuthors(Migration):
    def up(self, session):
        schema(session).create_table("authors", sa.Column("id", sa.Integer, primary_key=True))

    def down(self, session):
        schema(session).drop_table("authors")
"""
# up() says which database it runs on, then waits to be interrupted.
WAITS = """
import os, time
from flask_herogold_migrate import Migration


class Wait(Migration):
    def up(self, session):
        with open(os.environ["MARKER"], "w") as marker:
            marker.write(session.get_bind().engine.url.database)
        time.sleep(60)

    def down(self, session):
        pass
"""


@pytest.fixture
def temporary_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where this process makes temporary files (SQLite's throwaway databases) in the test."""
    directory = tmp_path / "tmp"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


def write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(exist_ok=True)
    for stem, source in files.items():
        (directory / f"{stem}.py").write_text(textwrap.dedent(source))
    return directory


def server_databases(url: str, temporary: Path) -> set[str]:
    """The databases on the server of ``url``; for SQLite, the throwaway directories."""
    if make_url(url).get_backend_name() == "sqlite":
        return {path.name for path in temporary.iterdir()}
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                return set(conn.execute(text("SELECT datname FROM pg_database")).scalars())
            return set(conn.execute(text("SHOW DATABASES")).scalars())
    finally:
        engine.dispose()


def made_and_dropped(caplog: pytest.LogCaptureFixture) -> tuple[list[str], list[str]]:
    """The names of the throwaway databases the run made, and of those it dropped."""
    messages = [r.getMessage() for r in caplog.records if r.name == "flask_herogold_migrate"]
    made = [m.rpartition(" ")[2] for m in messages if m.startswith("Created the throwaway")]
    dropped = [m.rpartition(" ")[2] for m in messages if m.startswith("Dropped the throwaway")]
    return made, dropped


def assert_none_left(url: str, made: list[str], temporary: Path) -> None:
    assert made, "no throwaway database was made"
    left = server_databases(url, temporary)
    shown = {Path(name).parent.name for name in made} if url.startswith("sqlite") else set(made)
    assert not shown & left


def test_passes_on_the_example_app_and_leaves_its_database_as_it_was(
    database, temporary_files, caplog
):
    caplog.set_level(logging.DEBUG, logger="flask_herogold_migrate")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database.url,
            "HEROGOLD_MIGRATE_METADATA": example_models(),
        }
    )
    runner = app.test_cli_runner()
    assert runner.invoke(args=["migrate", "--target", "add_roles"]).exit_code == 0
    with database.engine.begin() as conn:
        conn.execute(text("INSERT INTO users (name, email) VALUES ('Ada', 'ada@x.io')"))
    before = snapshot(database)

    result = runner.invoke(args=["migrate:test"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[-1] == "Every check passed: 10 passed, 0 skipped."
    assert "ok       round trip    20250315_02_add_users_created_at_index" in lines
    assert "ok       models match" in lines
    assert snapshot(database) == before  # tables, indexes, row counts, tracking rows
    made, dropped = made_and_dropped(caplog)
    assert len(made) == 1 and dropped == made
    assert make_url(database.url).database not in made
    assert_none_left(database.url, made, temporary_files)
    with app.app_context():
        db.engine.dispose()


def test_fails_naming_the_migration_and_what_down_left_or_the_file(
    database_server, tmp_path, temporary_files, caplog
):
    caplog.set_level(logging.DEBUG, logger="flask_herogold_migrate")
    migrations = write(
        tmp_path / "migrations",
        {
            "20260101_create_posts_table": CREATE_POSTS,
            "20260301_index_title": FORGETS_INDEX,
            "20260401_add_body": FORGETS_COLUMN,
            "20260501_create_tags_table": FORGETS_TABLE,
            "20260515_widen_title": WIDENS_TITLE,
            "20260601_create_authors_table": CREATE_AUTHORS,
            "20260601_02_create_authors_table": CREATE_AUTHORS.replace('"authors"', '"co_authors"'),
            "20260701_broken": "from flask_herogold_migrate import Migration\nclass Broken(",
            "2026_07_02_misnamed": CREATE_AUTHORS,
        },
    )

    result = CliRunner().invoke(
        standalone_main,
        ["migrate:test", "--dir", str(migrations), "--database-url", database_server],
    )

    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    failed = [line for line in lines if line.startswith("FAILED")]
    assert failed == [
        f"FAILED   files         2026_07_02_misnamed: misnamed, so it never runs: {MISNAMED}",
        "FAILED   files         20260601_02_create_authors_table: same day and description "
        "as 20260601_create_authors_table",
        f"FAILED   files         20260701_broken: {migrations / '20260701_broken.py'}, line 2: "
        "syntax error: '(' was never closed.",
        "FAILED   round trip    20260301_index_title: down() left index ix_posts_title",
        "FAILED   round trip    20260401_add_body: down() left column posts.body",
        "FAILED   round trip    20260501_create_tags_table: down() left table tags",
        "FAILED   round trip    20260515_widen_title: down() left column posts.title changed: "
        "VARCHAR(200); before up(): VARCHAR(100)",
        f"FAILED   from empty    20260701_broken: up() failed: {migrations / '20260701_broken.py'}"
        ", line 2: syntax error: '(' was never closed.",
    ]
    # The migrations after a failed round trip are checked, each from a sound schema.
    assert "ok       round trip    20260601_02_create_authors_table" in lines
    widened = lines.index(failed[6])
    assert lines[widened + 1 : widened + 3] == [
        " " * 23 + "20260515_widen_title: down() dropped index ix_posts_title, which was there "
        "before up()",
        " " * 23 + "20260515_widen_title: up() after down() did not make index ix_posts_title, "
        "which the first up() did",
    ]
    assert lines[-1] == "8 checks failed; 16 passed, 2 skipped."
    made, dropped = made_and_dropped(caplog)
    assert len(made) == 5  # the first, and a new one after each round trip that left a mess
    assert sorted(dropped) == sorted(made)
    assert_none_left(database_server, made, temporary_files)


MISNAMED = "its name does not start with a date as YYYYMMDD followed by _"


def test_fails_when_a_model_has_a_column_no_migration_adds(
    database_server, temporary_files, caplog
):
    caplog.set_level(logging.DEBUG, logger="flask_herogold_migrate")
    drifted = _example_models_with_a_nickname()
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_server, "HEROGOLD_MIGRATE_METADATA": drifted}
    )

    result = app.test_cli_runner().invoke(args=["migrate:test", "--json"])

    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    failures = [r for r in report["results"] if r["outcome"] == "failed"]
    assert failures == [
        {
            "check": "models_match",
            "migration": None,
            "outcome": "failed",
            "problems": [
                "the models differ from the schema the migrations make: "
                + failures[0]["problems"][0].partition("make: ")[2]
            ],
        }
    ]
    assert failures[0]["problems"][0].partition("make: ")[2].startswith("+ column users.nickname")
    made, _ = made_and_dropped(caplog)
    assert_none_left(database_server, made, temporary_files)
    with app.app_context():
        db.engine.dispose()


def _example_models_with_a_nickname():
    from sqlalchemy import MetaData

    drifted = MetaData()
    for table in example_models().sorted_tables:
        copy = table.to_metadata(drifted)
        if copy.name == "users":
            copy.append_column(Column("nickname", String(50)))
    return drifted


def test_no_throwaway_database_is_left_after_sigint(database_server, tmp_path):
    migrations = write(tmp_path / "migrations", {"20260101_wait": WAITS})
    marker = tmp_path / "marker"
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {**os.environ, "MARKER": str(marker), "TMPDIR": str(temporary)}
    command = [sys.executable, "-m", "flask_herogold_migrate", "migrate:test"]
    process = subprocess.Popen(
        [*command, "--dir", str(migrations), "--database-url", database_server],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not (marker.exists() and marker.read_text()):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the migration never started"
            time.sleep(0.05)
        name = marker.read_text()
        assert name in server_databases(database_server, temporary) or Path(name).exists()

        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()

    assert process.returncode == 130, out + err  # 128 + SIGINT, as shells report it
    assert "Interrupted: migrate:test stopped, and every throwaway database it made" in err
    assert "Traceback" not in err
    if database_server.startswith("sqlite"):
        assert not Path(name).exists()
        assert list(temporary.iterdir()) == []
    else:
        assert re.fullmatch(f"{NAME_PREFIX}[0-9a-f]+", name)
        assert name not in server_databases(database_server, temporary)


def test_a_server_that_cannot_be_reached_is_one_message(tmp_path):
    write(tmp_path / "migrations", {"20260101_create_posts_table": CREATE_POSTS})
    url = "postgresql+psycopg://someone:s3cret@127.0.0.1:1/app"

    result = CliRunner().invoke(
        standalone_main,
        ["migrate:test", "--dir", str(tmp_path / "migrations"), "--database-url", url],
    )

    assert result.exit_code == 1
    error = result.output.splitlines()[-1]
    assert error.startswith(
        "Error: Cannot connect to postgresql+psycopg://someone:***@127.0.0.1:1 to make a "
        "throwaway database: "
    )
    assert "s3cret" not in result.output
    assert "Traceback" not in result.output
