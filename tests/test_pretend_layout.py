"""``--pretend`` shows SQL as the docs do: spaces, not SQLAlchemy's tabs and trailing spaces."""

from __future__ import annotations

import pytest

CREATE_POSTS = """
import sqlalchemy as sa
from flask_herogold_migrate import Migration, schema


class CreatePosts(Migration):
    def up(self, session):
        schema(session).create_table(
            "posts", sa.Column("id", sa.Integer, primary_key=True), sa.Column("t", sa.String(10))
        )

    def down(self, session):
        schema(session).drop_table("posts")
"""


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)  # the layout, not the database
def test_ddl_is_shown_indented_with_spaces(cli, database, write_migration):
    write_migration("20260301_create_posts", body=CREATE_POSTS)

    result = cli("migrate", "--pretend")

    assert result.exit_code == 0, result.output
    assert "\t" not in result.output
    assert " \n" not in result.output
    assert (
        "  CREATE TABLE posts (\n      id INTEGER NOT NULL,\n      t VARCHAR(10)," in result.output
    )
