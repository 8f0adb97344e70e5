"""Renames in ``migrate:make --autogenerate``: asked at a terminal, never guessed.

A column dropped and one added in the same table, or a table no model describes and a new
table with its columns, may be one thing renamed. At a terminal the command asks, as
Django's makemigrations does; yes keeps the rows. With ``--no-input``, or when standard
input is not a terminal, nothing is asked: drop and add stay, and a warning names them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import text


def posts(title: str = "title") -> sa.MetaData:
    md = sa.MetaData()
    sa.Table(
        "posts",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(title, sa.String(100), nullable=True),
    )
    return md


@pytest.fixture
def runner(app, database):
    """The app with posts(id, title) created and holding two rows."""
    runner = app.test_cli_runner()
    app.config["HEROGOLD_MIGRATE_METADATA"] = posts()
    assert runner.invoke(args=["migrate:make", "create_posts", "--autogenerate"]).exit_code == 0
    assert runner.invoke(args=["migrate"]).exit_code == 0
    with database.engine.begin() as conn:
        conn.execute(text("INSERT INTO posts (id, title) VALUES (1, 'Hello'), (2, 'World')"))
    return runner


@pytest.fixture
def at_a_terminal(monkeypatch):
    monkeypatch.setattr("flask_herogold_migrate.cli.autogenerate.stdin_is_a_terminal", lambda: True)


def test_a_rename_answered_yes_keeps_the_rows(app, database, runner, at_a_terminal):
    app.config["HEROGOLD_MIGRATE_METADATA"] = posts("headline")

    result = runner.invoke(args=["migrate:make", "rename_title", "--autogenerate"], input="y\n")
    applied = runner.invoke(args=["migrate"])

    assert result.exit_code == 0, result.output
    assert "Did you rename posts.title to posts.headline? [y/N]: y" in result.output
    assert "~ column posts.title: renamed to headline" in result.output.splitlines()
    assert applied.exit_code == 0, applied.output
    rows = database.rows("posts")
    assert sorted((r["id"], r["headline"]) for r in rows) == [(1, "Hello"), (2, "World")]
    assert runner.invoke(args=["migrate:check"]).exit_code == 0
    assert runner.invoke(args=["migrate:rollback"]).exit_code == 0
    assert sorted(r["title"] for r in database.rows("posts")) == ["Hello", "World"]


def test_a_rename_answered_no_stays_a_drop_and_an_add(app, database, runner, at_a_terminal):
    app.config["HEROGOLD_MIGRATE_METADATA"] = posts("headline")

    result = runner.invoke(args=["migrate:make", "replace_title", "--autogenerate"], input="n\n")

    assert result.exit_code == 0, result.output
    assert "Did you rename posts.title to posts.headline? [y/N]: n" in result.output
    assert "posts.title -> posts.headline: dropped and added, not renamed" in result.output
    (path,) = _migrations(app).glob("*_replace_title.py")
    source = path.read_text()
    assert "new_column_name" not in source
    assert 'op.drop_column("posts", "title")' in source or 'drop_column("title")' in source


@pytest.mark.parametrize("how", ["--no-input", "no terminal"])
def test_without_input_nothing_is_asked_and_a_warning_names_the_candidate(
    app, database, runner, how
):
    app.config["HEROGOLD_MIGRATE_METADATA"] = posts("headline")
    options = ["--no-input"] if how == "--no-input" else []

    # "y" waits on standard input: a command that asked would read it.
    result = runner.invoke(
        args=["migrate:make", "replace_title", "--autogenerate", *options], input="y\n"
    )

    assert result.exit_code == 0, result.output
    assert "Did you rename" not in result.output
    assert (
        "Warning: posts.title -> posts.headline: dropped and added, not renamed, so the "
        "column's data is lost. If it is a rename, answer yes at a terminal (without "
        "--no-input)."
    ) in result.output
    (path,) = _migrations(app).glob("*_replace_title.py")
    assert "new_column_name" not in path.read_text()


@pytest.mark.sqlite_only
def test_no_input_never_asks_even_at_a_terminal(app, runner, at_a_terminal):
    app.config["HEROGOLD_MIGRATE_METADATA"] = posts("headline")

    result = runner.invoke(
        args=["migrate:make", "replace_title", "--autogenerate", "--no-input"], input="y\n"
    )

    assert "Did you rename" not in result.output
    assert "dropped and added, not renamed" in result.output


def test_a_renamed_table_answered_yes_keeps_its_rows(app, database, runner, at_a_terminal):
    with database.engine.begin() as conn:
        conn.execute(text("CREATE INDEX ix_posts_title ON posts (title)"))
    md = sa.MetaData()
    sa.Table(
        "articles",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        # Its index is named after the new table: renamed, the old one must go.
        sa.Column("title", sa.String(100), nullable=True, index=True),
    )
    app.config["HEROGOLD_MIGRATE_METADATA"] = md

    result = runner.invoke(args=["migrate:make", "rename_posts", "--autogenerate"], input="y\n")
    applied = runner.invoke(args=["migrate"])

    assert result.exit_code == 0, result.output
    assert "Did you rename the table posts to articles? [y/N]: y" in result.output
    assert applied.exit_code == 0, applied.output
    assert "posts" not in database.table_names()
    assert sorted(r["title"] for r in database.rows("articles")) == ["Hello", "World"]
    assert runner.invoke(args=["migrate:check"]).exit_code == 0
    assert runner.invoke(args=["migrate:rollback"]).exit_code == 0
    assert sorted(r["title"] for r in database.rows("posts")) == ["Hello", "World"]


@pytest.mark.sqlite_only
def test_a_yes_rules_out_the_other_candidates_of_its_columns(app, runner, at_a_terminal):
    md = sa.MetaData()
    sa.Table(
        "posts",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("headline", sa.String(100), nullable=True),
        sa.Column("subtitle", sa.String(100), nullable=True),
    )
    app.config["HEROGOLD_MIGRATE_METADATA"] = md

    result = runner.invoke(args=["migrate:make", "rename_title", "--autogenerate"], input="y\n")

    assert result.exit_code == 0, result.output
    assert result.output.count("Did you rename") == 1
    assert "+ column posts.subtitle: VARCHAR(100)" in result.output.splitlines()


def _migrations(app) -> Path:
    return Path(app.root_path, app.config["HEROGOLD_MIGRATE_DIR"])


def flags(name: str) -> sa.MetaData:
    md = sa.MetaData()
    sa.Table(
        "flags",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(name, sa.Boolean, nullable=False, comment="switched on by hand"),
    )
    return md


def test_a_renamed_boolean_is_asked_and_keeps_its_values_and_comment(app, database, at_a_terminal):
    # MariaDB reflects a Boolean as TINYINT(1): still the same kind of column.
    runner = app.test_cli_runner()
    app.config["HEROGOLD_MIGRATE_METADATA"] = flags("active")
    assert runner.invoke(args=["migrate:make", "create_flags", "--autogenerate"]).exit_code == 0
    assert runner.invoke(args=["migrate"]).exit_code == 0
    with database.engine.begin() as conn:
        conn.execute(text("INSERT INTO flags (id, active) VALUES (1, :off)"), {"off": False})
    app.config["HEROGOLD_MIGRATE_METADATA"] = flags("enabled")

    result = runner.invoke(args=["migrate:make", "rename_active", "--autogenerate"], input="y\n")
    applied = runner.invoke(args=["migrate"])

    assert "Did you rename flags.active to flags.enabled? [y/N]: y" in result.output
    assert applied.exit_code == 0, applied.output
    assert [bool(r["enabled"]) for r in database.rows("flags")] == [False]
    check = runner.invoke(args=["migrate:check"])
    if database.dialect != "sqlite":  # SQLite keeps no column comments
        assert check.exit_code == 0, check.output


def documents(column: str, type_: sa.types.TypeEngine) -> sa.MetaData:
    md = sa.MetaData()
    sa.Table(
        "documents",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(column, type_, nullable=True),
    )
    return md


@pytest.fixture
def document_runner(app, database):
    """The app with documents(id, body TEXT) holding a JSON text."""
    runner = app.test_cli_runner()
    app.config["HEROGOLD_MIGRATE_METADATA"] = documents("body", sa.Text())
    assert runner.invoke(args=["migrate:make", "create_documents", "--autogenerate"]).exit_code == 0
    assert runner.invoke(args=["migrate"]).exit_code == 0
    with database.engine.begin() as conn:
        conn.execute(text("""INSERT INTO documents (id, body) VALUES (1, '{"a": 1}')"""))
    return runner


def test_a_rename_that_changes_the_type_is_asked_and_keeps_the_values(
    app, database, document_runner, at_a_terminal
):
    app.config["HEROGOLD_MIGRATE_METADATA"] = documents("data", sa.JSON())

    result = document_runner.invoke(
        args=["migrate:make", "body_as_json", "--autogenerate"], input="y\n"
    )
    applied = document_runner.invoke(args=["migrate"])

    assert result.exit_code == 0, result.output
    assert (
        "Did you rename documents.body to documents.data (and change its type)? [y/N]: y"
    ) in result.output
    assert "Warning: documents.body changes from TEXT (a string) to JSON (a JSON)" in result.output
    (path,) = _migrations(app).glob("*_body_as_json.py")
    assert "# TODO: documents.body changes from TEXT" in path.read_text()
    assert applied.exit_code == 0, applied.output + path.read_text()
    assert database.rows("documents")[0]["data"] in ({"a": 1}, '{"a": 1}')
    rolled_back = document_runner.invoke(args=["migrate:rollback"])
    assert rolled_back.exit_code == 0, rolled_back.output
    assert database.rows("documents")[0]["body"] == '{"a": 1}'


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)  # no database behaviour
def test_without_input_a_retyped_rename_is_said_lost_in_the_file_and_the_terminal(
    app, document_runner
):
    app.config["HEROGOLD_MIGRATE_METADATA"] = documents("data", sa.JSON())

    result = document_runner.invoke(
        args=["migrate:make", "body_as_json", "--autogenerate", "--no-input"]
    )

    lost = (
        "documents.body -> documents.data: dropped and added, not renamed, so the column's "
        "data is lost."
    )
    assert f"Warning: {lost}" in result.output
    (path,) = _migrations(app).glob("*_body_as_json.py")
    comments = re.sub(r"\s*\n\s*#     ", " ", path.read_text())  # wrapped lines joined
    assert comments.count(f"# TODO: {lost}") == 1
