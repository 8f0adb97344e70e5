"""``migrate:make`` writes a body that fits the name: create_table for ``create_posts_table``
(or ``--create``), a batch_alter_table block for ``add_slug_to_posts_table`` (or ``--table``),
raw SQL with ``--sql``; every form applies and rolls back unedited."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import inspect

from flask_herogold_migrate.core.files.templates import Template, choose_template


@pytest.mark.parametrize(
    ("name", "options", "expected"),
    [
        ("create_posts_table", {}, Template("create", "posts")),
        ("create_posts", {}, Template("create", "posts")),
        ("add_slug_to_posts_table", {}, Template("change", "posts")),
        ("remove_slug_from_posts", {}, Template("change", "posts")),
        ("index_titles_in_blog_posts_table", {}, Template("change", "blog_posts")),
        ("backfill_slugs", {}, Template("blank")),
        ("backfill_slugs", {"create": "posts"}, Template("create", "posts")),
        ("create_posts_table", {"table": "articles"}, Template("change", "articles")),
        ("create_posts_table", {"sql": True}, Template("sql")),
    ],
)
def test_the_name_or_an_option_chooses_the_template(name, options, expected):
    assert choose_template(name, **options) == expected


def written(cli, *args: str) -> str:
    """The source of the file ``migrate:make`` writes with these arguments."""
    result = cli("migrate:make", *args)
    assert result.exit_code == 0, result.output
    source = Path(result.output.split("Created migration ", 1)[1].strip()).read_text()
    ast.parse(source)
    return source


@pytest.mark.sqlite_only
def test_each_form_writes_its_body(cli, database):
    created = written(cli, "create_posts_table")
    changed = written(cli, "add_slug_to_posts_table")
    raw = written(cli, "create_comments_table", "--sql")
    blank = written(cli, "backfill_slugs")

    assert 'schema(session).create_table(\n            "posts",' in created
    assert 'schema(session).drop_table("posts")' in created
    assert changed.count('with schema(session).batch_alter_table("posts") as batch:') == 2
    assert "schema" not in raw and 'session.exec(text("CREATE TABLE ..."))' in raw
    assert "op = schema(session)" in blank


def test_every_form_applies_and_rolls_back_unedited(cli, database, migrations_dir: Path):
    for args in (
        ["create_posts_table"],
        ["add_slug_to_posts_table"],
        ["tags", "--create", "tags"],
        ["tags_changes", "--table", "tags"],
        ["raw_sql", "--sql"],
        ["backfill_slugs"],
    ):
        written(cli, *args)

    applied = cli("migrate")
    assert applied.exit_code == 0, applied.output
    assert applied.output.splitlines()[-1] == "Applied 6 migrations."
    assert database.table_names() == {"migrations", "migrations_digest", "posts", "tags"}
    assert [c["name"] for c in inspect(database.engine).get_columns("posts")] == ["id"]

    rolled_back = cli("migrate:rollback")
    assert rolled_back.exit_code == 0, rolled_back.output
    assert database.table_names() == {"migrations", "migrations_digest"}
    assert database.migration_rows() == {}


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["posts", "--create", "posts", "--sql"],
            "Error: Cannot create the migration: --create and --sql exclude each other; give "
            "one of them.",
        ),
        (
            ["posts", "--table", "my posts"],
            "Error: Cannot create the migration: invalid table name 'my posts': use letters, "
            "digits and underscores, not starting with a digit.",
        ),
    ],
)
def test_options_that_cannot_be_followed_write_nothing(
    cli, database, migrations_dir: Path, args, message
):
    result = cli("migrate:make", *args)

    assert result.exit_code == 1
    assert result.output == message + "\n"
    assert list(migrations_dir.iterdir()) == []
