"""migrate:fresh, migrate:refresh and migrate:seed in Flask, on one bind or tenant or on all.

A PostgreSQL schema tenant is rebuilt alone: the other schemas, ``public`` among them, keep
every table, row and type, even one that a dropped table referenced.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import create_engine, inspect, text

from flask_herogold_migrate import HerogoldMigrate
from tests.many_databases import Servers, servers  # noqa: F401  (the fixture)

MIGRATION = """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class Step(Migration):
    def up(self, session):
        session.exec(text("CREATE TABLE {table} (id INTEGER PRIMARY KEY, label VARCHAR(50))"))

    def down(self, session):
        session.exec(text("DROP TABLE {table}"))
"""
SEEDER = """
from sqlalchemy import text
from flask_herogold_migrate import Seeder


class RowsSeeder(Seeder):
    def run(self, session):
        session.exec(text("INSERT INTO {table} (id, label) VALUES (7, 'seeded')"))
"""


def write(directory: Path, stem: str, table: str, template: str = MIGRATION) -> None:
    directory.mkdir(exist_ok=True)
    (directory / f"{stem}.py").write_text(template.format(table=table))


def make_app(root: Path, url: str, **config: object) -> tuple[Flask, SQLAlchemy]:
    app = Flask("freshapp", root_path=str(root))
    app.config.update(SQLALCHEMY_DATABASE_URI=url, **config)
    db = SQLAlchemy()
    db.init_app(app)
    HerogoldMigrate(app, db)
    return app, db


def invoke(app: Flask, *args: str, input: str | None = None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_fresh_of_one_schema_tenant_leaves_public_and_the_other_tenant_alone(
    tmp_path,
    servers,  # noqa: F811
):
    url = servers.database("postgresql")
    first, second = servers.schemas(url, 2)
    write(tmp_path / "migrations", "20260101_things", "things")
    write(tmp_path / "migrations_tenants", "20260101_accounts", "accounts")
    app, db = make_app(
        tmp_path,
        url,
        HEROGOLD_MIGRATE_TENANTS=lambda: {first: first, second: second},
        HEROGOLD_MIGRATE_TENANT_DIR="migrations_tenants",
    )
    assert invoke(app, "migrate").exit_code == 0
    assert invoke(app, "migrate", "--all-tenants").exit_code == 0
    engine = servers.engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO public.things (id, label) VALUES (1, 'kept')"))
        for schema in (first, second):
            conn.execute(text(f"INSERT INTO \"{schema}\".accounts (id, label) VALUES (1, 'x')"))
            conn.execute(
                text(
                    f'CREATE TABLE "{schema}".refs (id INTEGER PRIMARY KEY, '
                    "thing_id INTEGER REFERENCES public.things (id))"
                )
            )
            conn.execute(text(f"CREATE TYPE \"{schema}\".mood AS ENUM ('calm')"))
            conn.execute(text(f'CREATE SEQUENCE "{schema}".counter'))
            conn.execute(
                text(f'CREATE VIEW "{schema}".names AS SELECT label FROM "{schema}".accounts')
            )

    result = invoke(app, "migrate:fresh", "--tenant", first)

    assert result.exit_code == 0, result.output
    inspector = inspect(servers.engine(url))
    assert set(inspector.get_table_names(schema=first)) == {
        "accounts",
        "migrations",
        "migrations_digest",
    }
    assert inspector.get_view_names(schema=first) == []
    assert inspector.get_sequence_names(schema=first) == []
    assert [e["name"] for e in inspector.get_enums(schema=first)] == []
    assert set(inspector.get_table_names(schema=second)) == {
        "accounts",
        "migrations",
        "migrations_digest",
        "refs",
    }
    assert inspector.get_view_names(schema=second) == ["names"]
    assert [e["name"] for e in inspector.get_enums(schema=second)] == ["mood"]
    assert "counter" in inspector.get_sequence_names(schema=second)
    assert set(inspector.get_table_names(schema="public")) == {
        "things",
        "migrations",
        "migrations_digest",
    }
    with engine.connect() as conn:
        assert conn.execute(text(f'SELECT count(*) FROM "{first}".accounts')).scalar() == 0
        assert conn.execute(text(f'SELECT count(*) FROM "{second}".accounts')).scalar() == 1
        assert conn.execute(text("SELECT label FROM public.things")).scalar() == "kept"
        assert conn.execute(text("SELECT count(*) FROM public.migrations")).scalar() == 1
        batches = conn.execute(text(f'SELECT batch FROM "{first}".migrations')).scalars().all()
        assert batches == [1]
    with app.app_context():
        db.engine.dispose()


def test_all_tenants_needs_force_then_rebuilds_and_seeds_each(tmp_path, servers):  # noqa: F811
    url = servers.database("postgresql")
    schemas = servers.schemas(url, 2)
    write(tmp_path / "migrations_tenants", "20260101_accounts", "accounts")
    write(tmp_path / "seeders", "rows", "accounts", SEEDER)
    app, db = make_app(
        tmp_path,
        url,
        HEROGOLD_MIGRATE_TENANTS=lambda: {s: s for s in schemas},
        HEROGOLD_MIGRATE_TENANT_DIR="migrations_tenants",
    )
    assert invoke(app, "migrate", "--all-tenants").exit_code == 0
    engine = servers.engine(url)
    with engine.begin() as conn:
        for schema in schemas:
            conn.execute(text(f"INSERT INTO \"{schema}\".accounts (id, label) VALUES (1, 'x')"))

    refused = invoke(app, "migrate:fresh", "--all-tenants", "--seed")
    done = invoke(app, "migrate:fresh", "--all-tenants", "--seed", "--force", "--json")

    assert refused.exit_code == 1
    assert "pass --force to go on. Nothing was done." in refused.output
    assert done.exit_code == 0, done.output
    document = json.loads(done.stdout)
    assert [t["state"] for t in document["tenants"]] == ["done", "done"]
    assert document["tenants"][0]["seeded"] == ["rows"]
    with engine.connect() as conn:
        for schema in schemas:
            rows = conn.execute(text(f'SELECT id, label FROM "{schema}".accounts')).all()
            assert [tuple(r) for r in rows] == [(7, "seeded")]
    with app.app_context():
        db.engine.dispose()


def test_binds_fresh_refresh_and_seed(tmp_path):
    write(tmp_path / "migrations", "20260101_things", "things")
    write(tmp_path / "migrations_other", "20260101_others", "others")
    write(tmp_path / "seeders", "rows", "things", SEEDER)
    other = f"sqlite:///{tmp_path / 'other.db'}"
    app, db = make_app(
        tmp_path,
        f"sqlite:///{tmp_path / 'app.db'}",
        SQLALCHEMY_BINDS={"other": other},
        HEROGOLD_MIGRATE_BINDS={"other": "migrations_other"},
    )
    assert invoke(app, "migrate", "--all-binds").exit_code == 0
    other_engine = create_engine(other)
    with other_engine.begin() as conn:
        conn.execute(text("CREATE TABLE scratch (id INTEGER PRIMARY KEY)"))

    fresh = invoke(app, "migrate:fresh", "--all-binds")
    refreshed = invoke(app, "migrate:refresh", "--bind", "other")
    seeded = invoke(app, "migrate:seed", "--all-binds")

    assert fresh.exit_code == 0, fresh.output
    assert (
        "[other] Dropped: 4 tables (migrations, migrations_digest, others, scratch)."
        in fresh.output
    )
    assert set(inspect(other_engine).get_table_names()) == {
        "migrations",
        "migrations_digest",
        "others",
    }
    assert refreshed.exit_code == 0, refreshed.output
    assert "Rolled back 1 migration, then applied 1 migration." in refreshed.output
    # Both directories are in the app's root, so both binds read the one seeders/ beside
    # them; its seeder fills the default bind, then fails on other, which has no things table.
    assert seeded.exit_code == 1
    assert "Bind other: Seeder rows failed" in seeded.output
    default_engine = create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    with default_engine.connect() as conn:
        assert conn.execute(text("SELECT label FROM things")).scalar() == "seeded"
    other_engine.dispose()
    default_engine.dispose()
    with app.app_context():
        db.engine.dispose()


def test_flask_fresh_seed_on_the_default_database(app, database, write_migration, tmp_path):
    write_migration(
        "20260101_things",
        "CREATE TABLE things (id INTEGER PRIMARY KEY, label VARCHAR(50))",
        "DROP TABLE things",
    )
    write(tmp_path / "seeders", "rows", "things", SEEDER)
    assert invoke(app, "migrate").exit_code == 0
    with database.engine.begin() as conn:
        conn.execute(text("INSERT INTO things (id, label) VALUES (1, 'x')"))

    result = invoke(app, "migrate:fresh", "--seed")

    assert result.exit_code == 0, result.output
    assert database.rows("things") == [{"id": 7, "label": "seeded"}]
