"""A bind is compared with its own models: ``migrate:check``, ``migrate:make --autogenerate``
and ``migrate:test`` with ``--bind NAME`` use the tables of that bind (Flask-SQLAlchemy's
``db.metadatas[NAME]``, SQLModel tables with ``__bind_key__``), and the default bind none of
theirs. Which models belong where is no database behaviour: SQLite only."""

from __future__ import annotations

import textwrap
import types
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_herogold_migrate import HerogoldMigrate

# The models compared are this file's only (SQLModel's MetaData is one per process).
pytestmark = pytest.mark.usefixtures("sqlmodel_metadata_of_this_test")

CREATE = """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class Create(Migration):
    def up(self, session):
        session.exec(text("{sql}"))

    def down(self, session):
        session.exec(text("DROP TABLE {table}"))
"""


def write(directory: Path, stem: str, table: str, columns: str) -> None:
    directory.mkdir(exist_ok=True)
    sql = f"CREATE TABLE {table} ({columns})"
    (directory / f"{stem}.py").write_text(textwrap.dedent(CREATE.format(sql=sql, table=table)))


class BindModelsApp:
    """A default bind with ``accounts`` and an ``analytics`` bind with ``events``, as models
    of one Flask-SQLAlchemy ``db`` and as migrations, both applied."""

    def __init__(self, tmp_path: Path, *, event_kind: bool = False) -> None:
        self.root = tmp_path
        self.app = Flask("bindmodels", root_path=str(tmp_path))
        self.app.config.update(
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'main.db'}",
            SQLALCHEMY_BINDS={"analytics": f"sqlite:///{tmp_path / 'analytics.db'}"},
            HEROGOLD_MIGRATE_BINDS={"analytics": "migrations_analytics"},
        )
        self.db = db = SQLAlchemy()
        db.init_app(self.app)
        HerogoldMigrate(self.app, db)
        db.Table("accounts", sa.Column("id", sa.Integer, primary_key=True))
        event_columns = [sa.Column("id", sa.Integer, primary_key=True)]
        if event_kind:
            event_columns.append(sa.Column("kind", sa.String(20)))
        db.Table("events", *event_columns, bind_key="analytics")
        write(tmp_path / "migrations", "20260101_accounts", "accounts", "id INTEGER PRIMARY KEY")
        write(
            tmp_path / "migrations_analytics",
            "20260101_events",
            "events",
            "id INTEGER NOT NULL PRIMARY KEY",
        )
        assert self.invoke("migrate", "--all-binds").exit_code == 0

    def invoke(self, *args: str):
        return self.app.test_cli_runner().invoke(args=list(args))

    def close(self) -> None:
        with self.app.app_context():
            for engine in self.db.engines.values():
                engine.dispose()


@pytest.fixture
def bind_models(tmp_path: Path):
    made = BindModelsApp(tmp_path)
    yield made
    made.close()


MATCHES = "The database is migrated and matches the models.\n"


def test_migrate_check_compares_each_bind_with_its_own_models(bind_models):
    default = bind_models.invoke("migrate:check")
    analytics = bind_models.invoke("migrate:check", "--bind", "analytics")

    assert (default.exit_code, default.output) == (0, MATCHES)
    assert (analytics.exit_code, analytics.output) == (0, MATCHES)


def test_autogenerate_for_a_bind_writes_only_that_binds_changes(tmp_path):
    made = BindModelsApp(tmp_path, event_kind=True)
    try:
        check = made.invoke("migrate:check", "--bind", "analytics")
        result = made.invoke("migrate:make", "add_kind", "--autogenerate", "--bind", "analytics")
        nothing = made.invoke("migrate:make", "nothing", "--autogenerate")
    finally:
        made.close()

    assert check.exit_code == 1
    assert "+ column events.kind" in check.output
    assert "accounts" not in check.output
    assert result.exit_code == 0, result.output
    [written] = (tmp_path / "migrations_analytics").glob("*_add_kind.py")
    source = written.read_text()
    assert 'drop_column("kind")' in source and "accounts" not in source
    assert "No changes: the models match the database." in nothing.output
    assert not list((tmp_path / "migrations").glob("*_nothing.py"))


def test_migrate_test_for_a_bind_checks_that_binds_models(bind_models):
    result = bind_models.invoke("migrate:test", "--bind", "analytics", "--json")

    assert result.exit_code == 0, result.output
    assert '"passed": false' not in result.output


def test_sqlmodel_tables_go_to_the_bind_their_class_names(bind_models):
    from sqlmodel import Field, SQLModel

    # SQLModel's registry is global: a class of its own name for this test.
    visits = types.new_class(
        "BindModelsVisits",
        (SQLModel,),
        {"table": True},
        lambda ns: ns.update(
            __tablename__="bind_models_visits",
            __bind_key__="analytics",
            __annotations__={"id": int | None},
            id=Field(default=None, primary_key=True),
        ),
    )
    try:
        default = bind_models.invoke("migrate:check")
        analytics = bind_models.invoke("migrate:check", "--bind", "analytics")
    finally:
        SQLModel.metadata.remove(visits.__table__)

    assert "bind_models_visits" not in default.output
    assert analytics.exit_code == 1
    assert "+ table bind_models_visits" in analytics.output
    assert "+ table accounts" not in analytics.output
