"""Over every bind, each is compared with its own models, as ``--bind NAME`` does.

``migrate:check --all-binds`` and ``migrate:test --all-binds`` resolve each bind's models
where the app's context is, before the binds run. The binds span PostgreSQL, SQLite and
MariaDB.
"""

from __future__ import annotations

import pytest

from tests.many_databases import servers  # noqa: F401  (the fixture)
from tests.test_binds import binds  # noqa: F401  (the fixture)

# The models compared are this file's only (SQLModel's MetaData is one per process).
pytestmark = pytest.mark.usefixtures("sqlmodel_metadata_of_this_test")


def invoke(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def with_models(app):
    """The tables the bind migrations of test_binds.py create, as models of their binds."""
    db = app.extensions["sqlalchemy"]

    class User(db.Model):
        __tablename__ = "users"
        id = db.Column(db.Integer, primary_key=True, autoincrement=False)

    class Event(db.Model):
        __bind_key__ = "analytics"
        __tablename__ = "events"
        id = db.Column(db.Integer, primary_key=True, autoincrement=False)

    class Visit(db.Model):
        __bind_key__ = "analytics"
        __tablename__ = "visits"
        id = db.Column(db.Integer, primary_key=True, autoincrement=False)

    class Invoice(db.Model):
        __bind_key__ = "billing"
        __tablename__ = "invoices"
        id = db.Column(db.Integer, primary_key=True, autoincrement=False)

    return app


def test_check_compares_each_bind_with_its_own_models(binds):  # noqa: F811
    app = with_models(binds.make())
    assert invoke(app, "migrate", "--all-binds").exit_code == 0

    one = invoke(app, "migrate:check", "--bind", "analytics")
    every = invoke(app, "migrate:check", "--all-binds")

    assert one.exit_code == 0, one.output
    assert "The database is migrated and matches the models." in one.output
    assert "users" not in one.output
    assert every.exit_code == 0, every.output
    assert "Binds: 3 ok (of 3)." in every.output


def test_autogenerate_for_a_bind_writes_only_that_binds_changes(binds):  # noqa: F811
    app = with_models(binds.make())
    assert invoke(app, "migrate", "--all-binds").exit_code == 0

    result = invoke(app, "migrate:make", "nothing_new", "--bind", "analytics", "--autogenerate")

    assert result.exit_code == 0, result.output
    assert "No changes: the models match the database." in result.output
    assert [p.name for p in binds.dirs["analytics"].iterdir() if "nothing_new" in p.name] == []


def test_migrate_test_all_binds_matches_each_bind_with_its_models(binds):  # noqa: F811
    app = with_models(binds.make())

    result = invoke(app, "migrate:test", "--all-binds")

    assert result.exit_code == 0, result.output
    assert "Binds: 3 passed (of 3)." in result.output
