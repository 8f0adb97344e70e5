"""A model whose foreign key points at a table of another MetaData (a SQLModel model at a
Flask-SQLAlchemy one) gets one message saying why and how to join them, not SQLAlchemy's bare
``NoReferencedTableError``."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import sqlalchemy as sa


def two_metadata() -> list[sa.MetaData]:
    flask_side, other_side = sa.MetaData(), sa.MetaData()
    sa.Table("users", flask_side, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table(
        "posts",
        other_side,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.ForeignKey("users.id")),
    )
    return [flask_side, other_side]


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)  # the models, not the database
@pytest.mark.parametrize(
    "command", [["migrate:check"], ["migrate:make", "posts", "--autogenerate"]]
)
def test_a_foreign_key_across_metadata_is_one_clear_error(app, database, command):
    app.config["HEROGOLD_MIGRATE_METADATA"] = two_metadata()

    result = app.test_cli_runner().invoke(args=command)

    assert result.exit_code == 1
    assert "NoReferencedTableError" not in result.output
    assert (
        "The model column posts.user_id has a foreign key to users, which is on another "
        "MetaData" in result.output
    )
    assert "db = SQLAlchemy(metadata=SQLModel.metadata)" in result.output


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_a_sqlmodel_model_pointing_at_a_flask_sqlalchemy_model_names_both(database, tmp_path):
    # In a process of its own: a table=True model stays on SQLModel.metadata for good.
    script = tmp_path / "app.py"
    script.write_text(
        textwrap.dedent(
            f"""
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            from sqlmodel import Field, SQLModel

            from flask_herogold_migrate import HerogoldMigrate

            app = Flask(__name__)
            app.config["SQLALCHEMY_DATABASE_URI"] = {database.url!r}
            app.config["HEROGOLD_MIGRATE_DIR"] = {str(tmp_path / "migrations")!r}
            db = SQLAlchemy(app)
            HerogoldMigrate(app, db)

            class User(db.Model):
                __tablename__ = "users"
                id = db.Column(db.Integer, primary_key=True)

            class Post(SQLModel, table=True):
                __tablename__ = "posts"
                id: int | None = Field(default=None, primary_key=True)
                user_id: int = Field(foreign_key="users.id")
            """
        )
    )
    (tmp_path / "migrations").mkdir()

    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", str(script), "migrate:check"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )

    assert result.returncode == 1
    assert (
        "posts.user_id has a foreign key to users, which is on another MetaData (it is on "
        "db.metadata or another, the other table on SQLModel.metadata)" in result.stderr
    )
    assert "db = SQLAlchemy(metadata=SQLModel.metadata)" in result.stderr
    assert "Traceback" not in result.stderr
