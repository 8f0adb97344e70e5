"""Tenants: the same migrations brought to many PostgreSQL schemas and MariaDB databases.

Each tenant has its own tracking table and lock; ``--all-tenants`` runs them ``--jobs`` at a
time, one tenant's failure does not stop the others, and a summary says who did what.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import create_engine, text

from flask_herogold_migrate import HerogoldMigrate, MigrationManager
from flask_herogold_migrate.core import LockTimeout
from flask_herogold_migrate.core.dialects import dialect_for
from flask_herogold_migrate.core.runtime.search_path import SchemaNotFound
from flask_herogold_migrate.core.targets.default_schema import TenantIsTheAppsSchema
from flask_herogold_migrate.core.targets.tenants import TenantsUnavailable, UnknownTenant
from tests.many_databases import Servers, servers  # noqa: F401  (the fixture)

MIGRATION = """
import os
import time
from sqlalchemy import text
from flask_herogold_migrate import Migration


class Step(Migration):
    def up(self, session):
        session.exec(text("CREATE TABLE {table} (id INTEGER PRIMARY KEY)"))
        log = os.environ.get("RUN_LOG")
        if log:
            where = session.exec(text("{where}")).scalar()
            with open(log, "a") as handle:
                handle.write(f"{{where}} {table}\\n")
            time.sleep(float(os.environ.get("SLEEP", 0)))  # so that concurrent runs overlap

    def down(self, session):
        session.exec(text("DROP TABLE {table}"))
"""
# Which schema (PostgreSQL) or database (MariaDB) the statement ran in.
WHERE = "SELECT COALESCE(current_schema(), '') || database()"


def write(directory: Path, stem: str, table: str, where: str = "SELECT 1") -> None:
    directory.mkdir(exist_ok=True)
    (directory / f"{stem}.py").write_text(
        textwrap.dedent(MIGRATION.format(table=table, where=where))
    )


class TenantsApp:
    """A PostgreSQL app whose tenants are schemas of its database and MariaDB databases."""

    def __init__(self, tmp_path: Path, servers: Servers) -> None:  # noqa: F811
        self.root = tmp_path
        self.servers = servers
        self.url = servers.database("postgresql")
        self.dir = tmp_path / "migrations_tenants"
        self.tenants: dict[str, str] = {}
        self.apps: list[tuple[Flask, SQLAlchemy]] = []
        write(self.dir, "20260101_accounts", "accounts")
        write(self.dir, "20260102_invoices", "invoices")

    def add_schemas(self, count: int) -> list[str]:
        schemas = self.servers.schemas(self.url, count)
        self.tenants.update({schema: schema for schema in schemas})
        return schemas

    def add_databases(self, count: int) -> list[str]:
        names = []
        for i in range(count):
            name = f"shop_{i}"
            self.tenants[name] = self.servers.database("mariadb")
            names.append(name)
        return names

    def make(self, tenants: object = None, **config: object) -> Flask:
        app = Flask("tenantsapp", root_path=str(self.root))
        app.config.update(
            SQLALCHEMY_DATABASE_URI=self.url,
            HEROGOLD_MIGRATE_TENANTS=tenants if tenants is not None else lambda: self.tenants,
            HEROGOLD_MIGRATE_TENANT_DIR="migrations_tenants",
        )
        app.config.update(config)
        db = SQLAlchemy()
        db.init_app(app)
        self.apps.append((app, db))
        HerogoldMigrate(app, db)
        return app

    def applied(self, tenant: str) -> set[str]:
        where = self.tenants[tenant]
        if "://" in where:
            return {row["name"] for row in self.servers.rows(where)}
        return {row["name"] for row in self.servers.rows(self.url, f'"{where}".migrations')}

    def tables(self, tenant: str) -> set[str]:
        where = self.tenants[tenant]
        if "://" in where:
            return self.servers.tables(where)
        return self.servers.tables(self.url, schema=where)

    def close(self) -> None:
        for app, db in self.apps:
            with app.app_context():
                db.engine.dispose()


@pytest.fixture
def tenants(tmp_path: Path, servers: Servers):  # noqa: F811
    made = TenantsApp(tmp_path, servers)
    yield made
    made.close()


def invoke(app: Flask, *args: str, input: str | None = None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


BOTH = {"20260101_accounts", "20260102_invoices"}


def test_all_tenants_twenty_schemas_and_five_databases_four_at_a_time(tenants):
    schemas = tenants.add_schemas(20)
    databases = tenants.add_databases(5)
    app = tenants.make()

    result = invoke(app, "migrate", "--all-tenants", "--jobs", "4")

    assert result.exit_code == 0, result.output
    for tenant in [*schemas, *databases]:
        assert tenants.applied(tenant) == BOTH, tenant
        assert {"accounts", "invoices", "migrations"} <= tenants.tables(tenant), tenant
        assert f"[{tenant}] Applied 2 migrations." in result.output
    # Nothing landed in the shared schema: every tenant had its own search_path.
    assert tenants.servers.tables(tenants.url, schema="public") == set()
    assert "Tenants: 25 applied (of 25)." in result.output

    again = invoke(app, "migrate", "--all-tenants", "--jobs", "4", "--json")
    assert again.exit_code == 0, again.output
    document = json.loads(again.output)
    assert document["counts"] == {"up-to-date": 25}
    assert document["tenants"][0] == {
        "tenant": schemas[0],
        "state": "up-to-date",
        "migrations": [],
        "error": None,
    }


def test_a_tenant_in_a_broken_state_fails_alone_and_is_reported(tenants):
    schemas = tenants.add_schemas(4)
    [shop] = tenants.add_databases(1)
    broken = schemas[2]
    app = tenants.make()
    with app.app_context():
        tenants_api = app.extensions["herogold_migrate"].extension
        assert tenants_api.migrate_tenant(broken, target="accounts") == ["20260101_accounts"]
    engine = create_engine(tenants.url)
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE \"{broken}\".migrations SET state = 'failed_up'"))
    engine.dispose()

    result = invoke(app, "migrate", "--all-tenants", "--jobs", "2")

    assert result.exit_code == 1
    assert f"Failed (1):\n  {broken}: Migration 20260101_accounts stopped part-way" in (
        result.output
    )
    assert f"Error: 1 of 5 tenants failed: {broken}. The others ran." in result.output
    assert "Traceback" not in result.output
    assert tenants.applied(broken) == {"20260101_accounts"}  # its failed row, left as it was
    assert "invoices" not in tenants.tables(broken)
    for tenant in [*schemas[:2], *schemas[3:], shop]:
        assert tenants.applied(tenant) == BOTH

    document = json.loads(invoke(app, "migrate", "--all-tenants", "--json").stdout)
    [failed] = [t for t in document["tenants"] if t["state"] == "failed"]
    assert failed["tenant"] == broken
    assert "stopped part-way through up()" in failed["error"]


def test_status_of_all_tenants_counts_each_state_per_tenant(tenants):
    schemas = tenants.add_schemas(2)
    [shop] = tenants.add_databases(1)
    app = tenants.make()
    invoke(app, "migrate", "--tenant", schemas[1], "--target", "accounts")
    invoke(app, "migrate", "--tenant", shop)

    table = invoke(app, "migrate:status", "--all-tenants")
    document = invoke(app, "migrate:status", "--all-tenants", "--json")

    assert table.exit_code == 0, table.output
    rows = [line.split() for line in table.output.splitlines()]
    assert rows[0] == ["Tenant", "applied", "pending", "missing", "failed", "running"]
    assert rows[2:] == [
        [schemas[0], "0", "2", "0", "0", "0"],
        [schemas[1], "1", "1", "0", "0", "0"],
        [shop, "2", "0", "0", "0", "0"],
    ]
    counts = {t["tenant"]: t["counts"] for t in json.loads(document.output)["tenants"]}
    assert counts[schemas[1]] == {
        "applied": 1,
        "pending": 1,
        "missing": 0,
        "failed": 0,
        "running": 0,
    }
    assert invoke(app, "migrate:status", "--all-tenants", "--check").exit_code == 1
    one = json.loads(invoke(app, "migrate:status", "--tenant", schemas[1], "--json").output)
    assert [m["state"] for m in one["migrations"]] == ["applied", "pending"]


def test_rollback_one_tenant_and_all_tenants_only_with_force(tenants):
    schemas = tenants.add_schemas(3)
    app = tenants.make()
    invoke(app, "migrate", "--all-tenants")

    one = invoke(app, "migrate:rollback", "--tenant", schemas[0])
    assert one.exit_code == 0, one.output
    assert tenants.applied(schemas[0]) == set()
    assert tenants.applied(schemas[1]) == BOTH

    refused = invoke(app, "migrate:rollback", "--all-tenants", input="y\n")
    assert refused.exit_code == 1
    assert "pass --force to go on. Nothing was done." in refused.output
    assert tenants.applied(schemas[1]) == BOTH

    forced = invoke(app, "migrate:rollback", "--all-tenants", "--force", "--jobs", "2")
    assert forced.exit_code == 0, forced.output
    assert "Nothing-to-roll-back (1): " + schemas[0] in forced.output
    assert all(tenants.applied(schema) == set() for schema in schemas)


def test_migrate_tenant_brings_a_new_tenant_to_head(tenants):
    [first] = tenants.add_schemas(1)
    app = tenants.make()
    with app.test_request_context():  # as a signup handler would
        migrate = app.extensions["herogold_migrate"].extension
        assert migrate.migrate_tenant(first) == ["20260101_accounts", "20260102_invoices"]
        assert migrate.migrate_tenant(first) == []
        summary = migrate.migrate_all_tenants(jobs=2)
    assert [(o.target, o.state) for o in summary.outcomes] == [(first, "up-to-date")]
    assert tenants.applied(first) == BOTH


def test_a_sqlite_file_tenant_gets_its_own_engine(tenants, tmp_path):
    url = f"sqlite:///{tmp_path / 'solo.db'}"
    app = tenants.make(tenants=lambda: [url])

    result = invoke(app, "migrate", "--tenant", "solo")

    assert result.exit_code == 0, result.output
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT name FROM migrations")).scalars().all()
    engine.dispose()
    assert set(rows) == BOTH


def _boom() -> list[str]:
    raise RuntimeError("tenants table is gone")


@pytest.mark.parametrize(
    ("source", "args", "message"),
    [
        (_boom, ["--all-tenants"], "raised RuntimeError: tenants table is gone. Nothing was run."),
        (lambda: None, ["--all-tenants"], "returned no tenants (None). Nothing was run"),
        (lambda: [], ["--all-tenants"], "returned no tenants ([]). Nothing was run"),
        ("no_such_module:tenants", ["--all-tenants"], "cannot be imported"),
        (None, ["--tenant", "acme"], "Unknown tenant 'acme'"),
        (lambda: ["nowhere"], ["--tenant", "nowhere"], "schema does not exist: nowhere"),
    ],
)
def test_bad_tenants_say_so_and_run_nothing(tenants, source, args, message):
    schemas = tenants.add_schemas(2)
    app = tenants.make(tenants=source)

    result = invoke(app, "migrate", *args)

    assert result.exit_code == 1
    assert message in result.output
    assert [line for line in result.output.splitlines() if line.startswith("Error:")] == [
        result.output.strip()
    ]
    assert "Traceback" not in result.output
    assert all(tenants.tables(schema) == set() for schema in schemas)


def test_a_missing_schema_stops_all_tenants_before_any_runs(tenants):
    schemas = tenants.add_schemas(2)
    tenants.tenants["gone"] = "gone"
    app = tenants.make()

    result = invoke(app, "migrate", "--all-tenants")

    assert result.exit_code == 1
    assert "Error: The tenant schema does not exist: gone. Nothing was run." in result.output
    assert all(tenants.tables(schema) == set() for schema in schemas)


def test_the_errors_carry_their_data(tenants):
    tenants.add_schemas(1)
    app = tenants.make()
    with app.app_context():
        migrate = app.extensions["herogold_migrate"].extension
        with pytest.raises(UnknownTenant) as unknown:
            migrate.migrate_tenant("acme")
        assert unknown.value.name == "acme"
    tenants.tenants["gone"] = "gone"
    with app.app_context(), pytest.raises(SchemaNotFound) as missing:
        migrate.migrate_tenant("gone")
    assert missing.value.schemas == ("gone",)
    app2 = tenants.make(tenants=lambda: None)
    with app2.app_context(), pytest.raises(TenantsUnavailable):
        migrate.migrate_tenant("gone")


def test_two_schemas_lock_independently(tenants):
    first, second = tenants.add_schemas(2)
    engine = create_engine(tenants.url)
    holder = engine.connect()
    holder.exec_driver_sql(f'SET search_path TO "{first}"')
    holder.commit()
    impl = dialect_for(holder)
    try:
        with impl.locked(holder, "migrations", 0):
            blocked = MigrationManager(tenants.dir, engine=engine, schema=first, lock_timeout=0)
            with pytest.raises(LockTimeout):
                blocked.run_migrations()
            free = MigrationManager(tenants.dir, engine=engine, schema=second, lock_timeout=0)
            assert free.run_migrations() == ["20260101_accounts", "20260102_invoices"]
    finally:
        holder.close()
        engine.dispose()
    assert tenants.tables(first) == set()  # it gave up before creating anything
    assert tenants.applied(second) == BOTH


APP = """
import os
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from flask_herogold_migrate import HerogoldMigrate

app = Flask(__name__)
app.config.update(
    SQLALCHEMY_DATABASE_URI=os.environ["DATABASE_URL"],
    HEROGOLD_MIGRATE_TENANTS=lambda: os.environ["TENANTS"].split(","),
    HEROGOLD_MIGRATE_LOCK_TIMEOUT=120,
)
db = SQLAlchemy(app)
HerogoldMigrate(app, db)
"""


def test_two_concurrent_all_tenants_runs_apply_each_migration_once(tenants, tmp_path):
    schemas = tenants.add_schemas(6)
    for stem, table in (("20260103_a", "a"), ("20260104_b", "b")):
        write(tenants.dir, stem, table, where="SELECT current_schema()")
    (tmp_path / "app.py").write_text(APP)
    log = tmp_path / "run.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HEROGOLD_", "FLASK_"))}
    env.update(
        DATABASE_URL=tenants.url,
        TENANTS=",".join(schemas),
        RUN_LOG=str(log),
        FLASK_APP="app",
        SLEEP="0.2",
    )
    command = [sys.executable, "-m", "flask", "migrate", "--all-tenants", "--jobs", "3"]
    runs = [
        subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120)[0] for run in runs]

    assert [run.returncode for run in runs] == [0, 0], outputs
    lines = [line for line in log.read_text().splitlines() if line.endswith((" a", " b"))]
    assert sorted(lines) == sorted(f"{s} {t}" for s in schemas for t in ("a", "b"))
    for schema in schemas:
        assert {
            row["name"] for row in tenants.servers.rows(tenants.url, f'"{schema}".migrations')
        } >= {"20260103_a", "20260104_b"}


def test_threads_share_one_migration_file_without_declaring_it_twice(tenants):
    schemas = tenants.add_schemas(8)
    (tenants.dir / "20260105_model.py").write_text(
        textwrap.dedent(
            """
            from sqlmodel import Field, SQLModel
            from flask_herogold_migrate import Migration


            class Gadget(SQLModel, table=True):
                id: int | None = Field(default=None, primary_key=True)


            class AddGadgets(Migration):
                def up(self, session):
                    Gadget.__table__.create(session.connection())

                def down(self, session):
                    Gadget.__table__.drop(session.connection())
            """
        )
    )
    app = tenants.make()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with app.app_context():
                summary = app.extensions["herogold_migrate"].extension.migrate_all_tenants(jobs=4)
            errors.extend(o.exception for o in summary.failed if o.exception)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    from sqlmodel import SQLModel

    # SQLModel's registry is global: the model would be every later test's model too.
    SQLModel.metadata.remove(SQLModel.metadata.tables["gadget"])
    assert errors == []
    assert all("gadget" in tenants.tables(schema) for schema in schemas)


def test_a_setting_one_tenant_leaves_in_its_session_does_not_reach_the_next(tenants, tmp_path):
    tenants.add_schemas(3)
    log = tmp_path / "settings.log"
    (tenants.dir / "20260106_settings.py").write_text(
        textwrap.dedent(
            f"""
            from sqlalchemy import text
            from flask_herogold_migrate import Migration


            class LeavesASetting(Migration):
                def up(self, session):
                    seen = session.exec(text("SHOW work_mem")).scalar()
                    with open({str(log)!r}, "a") as handle:
                        handle.write(seen + "\\n")
                    session.exec(text("SET work_mem = '7MB'"))  # for the session, not LOCAL
                    session.exec(text("CREATE TEMPORARY TABLE scratch (id INTEGER)"))

                def down(self, session):
                    pass
            """
        )
    )
    app = tenants.make()

    result = invoke(app, "migrate", "--all-tenants", "--jobs", "1")

    assert result.exit_code == 0, result.output
    seen = log.read_text().splitlines()
    assert len(seen) == 3
    assert "7MB" not in seen


def test_make_for_all_tenants_writes_in_the_tenants_directory(tenants):
    app = tenants.make(tenants=lambda: None)  # making a file asks nothing of the tenants

    result = invoke(app, "migrate:make", "add_reports", "--all-tenants")

    assert result.exit_code == 0, result.output
    assert [p.name for p in tenants.dir.glob("*_add_reports.py")] != []


def test_a_tenant_in_the_apps_own_schema_is_refused_and_runs_nothing(tenants):
    schemas = tenants.add_schemas(1)
    tenants.tenants["main"] = "public"
    app = tenants.make()

    one = invoke(app, "migrate", "--tenant", "main")
    every = invoke(app, "migrate", "--all-tenants")

    refused = (
        "Error: The tenant schema public is the app's own schema, where the tracking table "
        "migrations of the app's migrations is: a tenant there would share it. Nothing was run."
    )
    for result in (one, every):
        assert result.exit_code == 1
        assert result.output.startswith(refused) and len(result.output.splitlines()) == 1
    assert tenants.tables("main") == set()
    assert tenants.tables(schemas[0]) == set()


def test_a_tenant_in_the_schema_holding_the_apps_tracking_table_is_refused(tenants, tmp_path):
    (app_schema,) = tenants.servers.schemas(tenants.url, 1, prefix="app")
    other = tenants.add_schemas(1)[0]
    # The app's own migrations run in app_schema, found first on the app's search_path.
    app_dir = tmp_path / "migrations"
    write(app_dir, "20260101_settings", "settings")
    url = f"{tenants.url}?options=-csearch_path%3D{app_schema},public"
    app = tenants.make(SQLALCHEMY_DATABASE_URI=url)
    assert invoke(app, "migrate").exit_code == 0
    assert tenants.servers.tables(tenants.url, schema=app_schema) == {
        "settings",
        "migrations",
        "migrations_digest",
    }
    tenants.tenants["app"] = app_schema

    with app.app_context():
        migrate = app.extensions["herogold_migrate"].extension
        with pytest.raises(TenantIsTheAppsSchema) as raised:
            migrate.migrate_tenant("app")

    assert raised.value.schema == app_schema
    assert {
        row["name"] for row in tenants.servers.rows(tenants.url, f'"{app_schema}".migrations')
    } == {"20260101_settings"}
    assert invoke(app, "migrate", "--tenant", other).exit_code == 0
    assert invoke(app, "migrate:rollback").exit_code == 0  # the app's own, not blocked
