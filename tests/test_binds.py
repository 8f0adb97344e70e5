"""Flask-SQLAlchemy binds: each migrated bind has its own directory, tracking table and lock.

The app has a PostgreSQL default bind, a SQLite bind and a MariaDB bind, on real servers.
"""

from __future__ import annotations

import json
import logging
import textwrap
from pathlib import Path

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_herogold_migrate import HerogoldMigrate, MigrationError
from tests.many_databases import Servers, servers  # noqa: F401  (the fixture)

MIGRATION = """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class Step(Migration):
    def up(self, session):
        session.exec(text("{up}"))

    def down(self, session):
        session.exec(text("{down}"))
"""


def write(directory: Path, stem: str, table: str, *, broken: bool = False) -> None:
    directory.mkdir(exist_ok=True)
    up = "CREATE TABL broken" if broken else f"CREATE TABLE {table} (id INTEGER PRIMARY KEY)"
    body = MIGRATION.format(up=up, down=f"DROP TABLE {table}")
    (directory / f"{stem}.py").write_text(textwrap.dedent(body))


class BindsApp:
    def __init__(self, tmp_path: Path, servers: Servers) -> None:  # noqa: F811
        self.root = tmp_path
        self.urls = {
            "default": servers.database("postgresql"),
            "analytics": f"sqlite:///{tmp_path / 'analytics.db'}",
            "billing": servers.database("mariadb"),
        }
        self.dirs = {
            "default": tmp_path / "migrations",
            "analytics": tmp_path / "migrations_analytics",
            "billing": tmp_path / "migrations_billing",
        }
        self.servers = servers
        self.apps: list[tuple[Flask, SQLAlchemy]] = []
        write(self.dirs["default"], "20260101_users", "users")
        write(self.dirs["analytics"], "20260101_events", "events")
        write(self.dirs["analytics"], "20260102_visits", "visits")
        write(self.dirs["billing"], "20260101_invoices", "invoices")

    def make(self, **config: object) -> Flask:
        app = Flask("bindsapp", root_path=str(self.root))
        app.config.update(
            SQLALCHEMY_DATABASE_URI=self.urls["default"],
            SQLALCHEMY_BINDS={
                "analytics": self.urls["analytics"],
                "billing": self.urls["billing"],
                "cache": f"sqlite:///{self.root / 'cache.db'}",  # a bind not migrated
            },
            HEROGOLD_MIGRATE_BINDS={
                "analytics": "migrations_analytics",
                "billing": "migrations_billing",
            },
        )
        app.config.update(config)
        db = SQLAlchemy()
        db.init_app(app)
        self.apps.append((app, db))
        HerogoldMigrate(app, db)
        return app

    def tables(self, bind: str) -> set[str]:
        return self.servers.tables(self.urls[bind])

    def applied(self, bind: str) -> set[str]:
        return {row["name"] for row in self.servers.rows(self.urls[bind])}

    def close(self) -> None:
        for app, db in self.apps:
            with app.app_context():
                for engine in db.engines.values():
                    engine.dispose()


@pytest.fixture
def binds(tmp_path: Path, servers: Servers):  # noqa: F811
    made = BindsApp(tmp_path, servers)
    yield made
    made.close()


def invoke(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def test_each_bind_migrates_rolls_back_and_shows_its_status(binds):
    app = binds.make()

    default = invoke(app, "migrate")
    analytics = invoke(app, "migrate", "--bind", "analytics")

    assert default.exit_code == 0, default.output
    assert analytics.exit_code == 0, analytics.output
    assert "Applied 2 migrations." in analytics.output
    assert binds.applied("default") == {"20260101_users"}
    assert binds.applied("analytics") == {"20260101_events", "20260102_visits"}
    assert "users" in binds.tables("default") and "users" not in binds.tables("analytics")
    assert {"events", "visits"} <= binds.tables("analytics")
    assert binds.tables("billing") == set()  # not migrated yet: not even a tracking table

    status = invoke(app, "migrate:status", "--bind", "billing", "--json")
    assert status.exit_code == 0, status.output
    assert [(m["name"], m["state"]) for m in json.loads(status.output)["migrations"]] == [
        ("20260101_invoices", "pending")
    ]

    billing = invoke(app, "migrate", "--bind", "billing")
    assert billing.exit_code == 0, billing.output
    assert "invoices" in binds.tables("billing")

    rolled_back = invoke(app, "migrate:rollback", "--bind", "analytics")
    assert rolled_back.exit_code == 0, rolled_back.output
    assert binds.applied("analytics") == set()
    assert not {"events", "visits"} & binds.tables("analytics")
    assert binds.applied("default") == {"20260101_users"}  # the other binds are untouched
    assert binds.applied("billing") == {"20260101_invoices"}


def test_all_binds_run_default_first_then_by_name_each_line_prefixed(binds):
    app = binds.make()

    result = invoke(app, "migrate", "--all-binds")

    assert result.exit_code == 0, result.output
    finished = [line for line in result.output.splitlines() if "Applied" in line]
    assert finished == [
        "[default] Applied 1 migration.",
        "[analytics] Applied 2 migrations.",
        "[billing] Applied 1 migration.",
    ]
    assert "[analytics] Migrated: 20260102_visits" in result.output
    assert binds.applied("billing") == {"20260101_invoices"}

    again = invoke(app, "migrate", "--all-binds")
    assert again.exit_code == 0
    assert "[billing] Nothing to migrate." in again.output


def test_status_of_all_binds_adds_the_bind_to_each_json_entry(binds):
    app = binds.make()
    invoke(app, "migrate", "--bind", "analytics")

    table = invoke(app, "migrate:status", "--all-binds")
    document = invoke(app, "migrate:status", "--all-binds", "--json")

    assert table.exit_code == 0, table.output
    rows = [line.split()[:3] for line in table.output.splitlines() if " 2026" in line]
    assert rows == [
        ["[default]", "20260101_users", "pending"],
        ["[analytics]", "20260101_events", "applied"],
        ["[analytics]", "20260102_visits", "applied"],
        ["[billing]", "20260101_invoices", "pending"],
    ]
    entries = json.loads(document.output)["migrations"]
    assert [(e["bind"], e["name"], e["state"]) for e in entries] == [
        ("default", "20260101_users", "pending"),
        ("analytics", "20260101_events", "applied"),
        ("analytics", "20260102_visits", "applied"),
        ("billing", "20260101_invoices", "pending"),
    ]
    assert set(entries[0]) == {
        "bind",
        "name",
        "state",
        "batch",
        "applied_at",
        "modified",
        "step",
        "out_of_order",
    }
    assert invoke(app, "migrate:status", "--all-binds", "--check").exit_code == 1


def test_reset_of_all_binds_asks_and_undoes_every_bind(binds):
    app = binds.make()
    invoke(app, "migrate", "--all-binds")

    refused = app.test_cli_runner().invoke(args=["migrate:reset", "--all-binds"], input="n\n")
    assert refused.exit_code == 1
    assert binds.applied("billing") == {"20260101_invoices"}

    done = invoke(app, "migrate:reset", "--all-binds", "--force")
    assert done.exit_code == 0, done.output
    assert "[billing] Rolled back 1 migration." in done.output
    assert all(binds.applied(bind) == set() for bind in ("default", "analytics", "billing"))


def test_auto_run_migrates_every_bind(binds, caplog):
    caplog.set_level(logging.INFO, logger="flask_herogold_migrate")

    binds.make(HEROGOLD_MIGRATE_AUTO=True)

    assert binds.applied("default") == {"20260101_users"}
    assert binds.applied("analytics") == {"20260101_events", "20260102_visits"}
    assert binds.applied("billing") == {"20260101_invoices"}
    assert "[analytics] Migrated: 20260102_visits" in caplog.text


def test_auto_run_stops_at_the_first_failing_bind_and_names_it(binds):
    write(binds.dirs["analytics"], "20260103_broken", "x", broken=True)

    with pytest.raises(MigrationError) as raised:
        binds.make(HEROGOLD_MIGRATE_AUTO=True)

    message = str(raised.value)
    assert message.startswith("Bind analytics: Migration 20260103_broken failed in up()")
    assert "The binds after it were not migrated: billing." in message
    assert binds.applied("default") == {"20260101_users"}
    assert binds.applied("analytics") == {"20260101_events", "20260102_visits"}
    assert binds.tables("billing") == set()


def test_migrate_all_binds_stops_at_the_first_failure_naming_the_bind(binds):
    write(binds.dirs["analytics"], "20260103_broken", "x", broken=True)
    app = binds.make()

    result = invoke(app, "migrate", "--all-binds")

    assert result.exit_code == 1
    assert "Error: Bind analytics: Migration 20260103_broken failed in up()" in result.output
    assert "Traceback" not in result.output
    assert binds.tables("billing") == set()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["migrate", "--bind", "nope"], "Unknown bind 'nope': HEROGOLD_MIGRATE_BINDS names"),
        (["migrate:status", "--bind", "cache"], "The bind 'cache' is not migrated"),
        (["migrate", "--bind", "analytics", "--all-binds"], "cannot be given together"),
        (["migrate", "--all-binds", "--jobs", "2"], "--jobs goes with --all-tenants"),
        (["migrate", "--json"], "migrate --json goes with --all-tenants or --all-binds"),
        (["migrate", "--all-binds", "--dir", "elsewhere"], "--dir names one directory"),
        (["migrate", "--all-binds", "--target", "users"], "--target names a file of one"),
    ],
)
def test_bad_bind_options_say_so_and_run_nothing(binds, args, message):
    app = binds.make()

    result = invoke(app, *args)

    assert result.exit_code in (1, 2)
    assert message in result.output
    assert "Traceback" not in result.output
    assert binds.tables("default") == set()
    assert binds.tables("analytics") == set()


def test_make_writes_in_the_binds_directory(binds):
    app = binds.make()

    result = invoke(app, "migrate:make", "add_sessions", "--bind", "analytics")

    assert result.exit_code == 0, result.output
    assert [p.name.endswith("_add_sessions.py") for p in binds.dirs["analytics"].iterdir()].count(
        True
    ) == 1
