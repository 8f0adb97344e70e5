"""One command body for one or many databases: every command that runs on one database runs
over ``--all-binds`` and ``--all-tenants`` too, with one summary and one JSON shape.

Binds span PostgreSQL (default), SQLite and MariaDB; tenants are PostgreSQL schemas and
MariaDB and SQLite databases, as in test_binds.py and test_tenants.py.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest
from click.testing import CliRunner
from sqlalchemy import MetaData

from flask_herogold_migrate.__main__ import main as standalone_main
from tests.many_databases import servers  # noqa: F401  (the fixture)
from tests.test_binds import binds, write  # noqa: F401  (the fixture)
from tests.test_tenants import BOTH, tenants  # noqa: F401  (the fixture)
from tests.test_tenants import write as write_tenant_migration


def applied(tenants, tenant: str) -> set[str]:  # noqa: F811
    """The migrations a tenant recorded; none where it has no tracking table yet."""
    return tenants.applied(tenant) if "migrations" in tenants.tables(tenant) else set()


def invoke(app, *args: str, input: str | None = None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def sqlite_tenant(tenants, tmp_path, name: str = "corner") -> str:  # noqa: F811
    tenants.tenants[name] = f"sqlite:///{tmp_path / (name + '.db')}"
    return name


def test_pretend_all_tenants_rehearses_each_and_changes_nothing(tenants, tmp_path):  # noqa: F811
    schemas = tenants.add_schemas(2)
    [shop] = tenants.add_databases(1)
    corner = sqlite_tenant(tenants, tmp_path)
    app = tenants.make()
    everyone = [*schemas, shop, corner]

    result = invoke(app, "migrate", "--all-tenants", "--pretend", "--jobs", "2")

    assert result.exit_code == 0, result.output
    for tenant in everyone:
        assert f"[{tenant}] Would migrate: 20260101_accounts" in result.output
        assert tenants.tables(tenant) - {"migrations"} == set(), tenant
    assert "Tenants: 4 rehearsed (of 4)." in result.output

    document = json.loads(invoke(app, "migrate", "--all-tenants", "--pretend", "--json").stdout)
    assert [entry["tenant"] for entry in document["tenants"]] == everyone
    assert set(document["tenants"][0]) == {"tenant", "state", "migrations", "error"}
    assert [m["name"] for m in document["tenants"][0]["migrations"]] == sorted(BOTH)
    assert document["counts"] == {"rehearsed": 4}
    assert document["not_run"] == []
    assert all(applied(tenants, tenant) == set() for tenant in everyone)


def test_pretend_rollback_all_tenants_shows_each_tenants_down(tenants):  # noqa: F811
    schemas = tenants.add_schemas(2)
    app = tenants.make()
    invoke(app, "migrate", "--tenant", schemas[0])

    result = invoke(app, "migrate:rollback", "--all-tenants", "--pretend")

    assert result.exit_code == 0, result.output
    assert f"[{schemas[0]}] Would roll back: 20260102_invoices" in result.output
    assert f"[{schemas[1]}] Nothing to roll back." in result.output
    assert "Rehearsed (1): " + schemas[0] in result.output
    assert tenants.applied(schemas[0]) == BOTH


def test_pretend_all_binds_rehearses_every_bind_and_changes_nothing(binds):  # noqa: F811
    app = binds.make()

    result = invoke(app, "migrate", "--all-binds", "--pretend")

    assert result.exit_code == 0, result.output
    assert "[default] Would migrate: 20260101_users" in result.output
    assert "[analytics] Would migrate: 20260102_visits" in result.output
    assert "[billing] Would migrate: 20260101_invoices" in result.output
    assert "Binds: 3 rehearsed (of 3)." in result.output
    for bind in ("default", "analytics", "billing"):
        assert binds.tables(bind) - {"migrations"} == set(), bind

    document = json.loads(invoke(app, "migrate:reset", "--all-binds", "--pretend", "--json").stdout)
    assert [(b["bind"], b["state"]) for b in document["binds"]] == [
        ("default", "nothing-to-do"),
        ("analytics", "nothing-to-do"),
        ("billing", "nothing-to-do"),
    ]


def test_a_rehearsal_that_would_fail_fails_the_command_and_names_the_bind(binds):  # noqa: F811
    write(binds.dirs["analytics"], "20260103_broken", "x", broken=True)
    app = binds.make()

    result = invoke(app, "migrate", "--all-binds", "--pretend")

    assert result.exit_code == 1
    assert "Would-fail (1):\n  analytics: Migration 20260103_broken would fail" in result.output
    assert "Error: 1 of 3 binds would fail: analytics." in result.output
    assert "[billing] Would migrate: 20260101_invoices" in result.output
    assert binds.tables("default") == set()


def test_check_all_binds_reports_each_bind(binds):  # noqa: F811
    app = binds.make(HEROGOLD_MIGRATE_METADATA=MetaData())  # no models, whatever SQLModel has
    invoke(app, "migrate", "--bind", "analytics")

    behind = invoke(app, "migrate:check", "--all-binds")

    assert behind.exit_code == 1
    assert "[default] Pending migrations: 20260101_users" in behind.output
    assert "[analytics] The database is migrated; no models were compared with it." in behind.output
    assert "Error: 2 of 3 binds are not migrated or differ from the models: default, billing." in (
        behind.output
    )
    document = json.loads(invoke(app, "migrate:check", "--all-binds", "--json").stdout)
    assert document["binds"][0] == {
        "bind": "default",
        "state": "not-ok",
        "pending": ["20260101_users"],
        "failed": [],
        "differences": [],
        "error": "1 pending",
    }

    invoke(app, "migrate", "--all-binds")
    done = invoke(app, "migrate:check", "--all-binds")
    assert done.exit_code == 0, done.output
    assert "Binds: 3 ok (of 3)." in done.output


def test_lint_all_tenants_lints_each_tenants_pending_migrations(tenants, tmp_path):  # noqa: F811
    schemas = tenants.add_schemas(1)
    [shop] = tenants.add_databases(1)
    corner = sqlite_tenant(tenants, tmp_path)
    app = tenants.make()

    result = invoke(app, "migrate:lint", "--all-tenants")

    assert result.exit_code == 0, result.output
    assert f"[{corner}] Nothing to lint on SQLite" in result.output
    assert f"[{shop}] No problems in 2 pending migrations." in result.output
    assert f"[{schemas[0]}] " in result.output
    assert "Tenants: " in result.output and "(of 3)." in result.output
    document = json.loads(invoke(app, "migrate:lint", "--all-tenants", "--json").stdout)
    entries = {entry["tenant"]: entry for entry in document["tenants"]}
    assert entries[corner]["state"] == "nothing-to-lint"
    assert entries[shop]["state"] == "clean"
    assert entries[shop]["linted"] == sorted(BOTH)
    assert set(entries[shop]) == {
        "tenant",
        "state",
        "error",
        "database",
        "linted",
        "findings",
        "silenced",
        "nothing_to_lint",
        "failed",
    }
    assert document["not_run"] == []
    assert all(applied(tenants, t) == set() for t in [*schemas, shop, corner])


def test_test_all_binds_tests_each_binds_migrations_on_its_own_throwaway(binds):  # noqa: F811
    app = binds.make(HEROGOLD_MIGRATE_METADATA=MetaData())

    result = invoke(app, "migrate:test", "--all-binds")

    assert result.exit_code == 0, result.output
    assert "[analytics] Every check passed" in result.output
    assert "[billing] Every check passed" in result.output
    assert "Binds: 3 passed (of 3)." in result.output
    refused = invoke(app, "migrate:test", "--all-binds", "--database-url", binds.urls["billing"])
    assert refused.exit_code == 2
    assert "each bind's throwaway database is made beside it" in refused.output


def test_when_every_tenant_fails_none_is_said_to_have_run(tenants):  # noqa: F811
    schemas = tenants.add_schemas(2)
    write_tenant_migration(tenants.dir, "20260103_broken", "accounts")  # a second CREATE: fails
    app = tenants.make()

    result = invoke(app, "migrate", "--all-tenants")

    assert result.exit_code == 1
    assert f"Error: 2 of 2 tenants failed: {schemas[0]}, {schemas[1]}." in result.output
    assert "The others ran." not in result.output


def test_a_missing_tenant_directory_is_one_error_before_anything_runs(tenants):  # noqa: F811
    tenants.add_schemas(3)
    shutil.rmtree(tenants.dir)
    app = tenants.make()

    result = invoke(app, "migrate", "--all-tenants")

    assert result.exit_code == 1
    assert result.output.count("does not exist") == 1, result.output
    assert [line for line in result.output.splitlines() if line.strip()] == [
        f"Error: The migrations directory {tenants.dir} does not exist. Create a first "
        "migration with migrate:make NAME, or point --dir at the right place."
    ]


def tenants_from_environment() -> dict[str, str]:
    """HEROGOLD_MIGRATE_TENANTS of the standalone tests."""
    return json.loads(os.environ["TEST_TENANTS"])


def standalone(*args: str, env: dict[str, str]):
    return CliRunner().invoke(standalone_main, list(args), env=env)


def test_standalone_all_tenants_reads_the_tenants_from_the_environment(
    tenants,  # noqa: F811
    tmp_path,
):
    schemas = tenants.add_schemas(2)
    [shop] = tenants.add_databases(1)
    corner = sqlite_tenant(tenants, tmp_path)
    env = {
        "HEROGOLD_MIGRATE_TENANTS": f"{__name__}:tenants_from_environment",
        "HEROGOLD_MIGRATE_TENANT_DIR": str(tenants.dir),
        "TEST_TENANTS": json.dumps(tenants.tenants),
        "DATABASE_URL": tenants.url,
    }

    pretend = standalone("migrate", "--all-tenants", "--pretend", env=env)
    assert pretend.exit_code == 0, pretend.output
    assert all(applied(tenants, t) == set() for t in [*schemas, shop, corner])

    result = standalone("migrate", "--all-tenants", "--jobs", "2", env=env)

    assert result.exit_code == 0, result.output
    assert "Tenants: 4 applied (of 4)." in result.output
    assert all(tenants.applied(t) == BOTH for t in [*schemas, shop, corner])
    document = json.loads(standalone("migrate:status", "--all-tenants", "--json", env=env).stdout)
    assert document["counts"] == {"up-to-date": 4}
    one = standalone("migrate:rollback", "--tenant", shop, env=env)
    assert one.exit_code == 0, one.output
    assert tenants.applied(shop) == set()  # the last batch held both


def test_standalone_schema_tenants_need_a_database_url(tenants):  # noqa: F811
    tenants.add_schemas(1)
    env = {
        "HEROGOLD_MIGRATE_TENANTS": f"{__name__}:tenants_from_environment",
        "HEROGOLD_MIGRATE_TENANT_DIR": str(tenants.dir),
        "TEST_TENANTS": json.dumps(tenants.tenants),
        "DATABASE_URL": "",
    }

    result = standalone("migrate", "--all-tenants", env=env)

    assert result.exit_code == 1
    assert "Schema tenants live in the database of --database-url" in result.output
    no_tenants = standalone("migrate", "--all-tenants", env={"HEROGOLD_MIGRATE_TENANTS": ""})
    assert "No tenants: set HEROGOLD_MIGRATE_TENANTS" in no_tenants.output


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_lint_json_on_one_database_is_that_databases_report(cli, database, write_migration):
    write_migration("20260101_base", up="CREATE TABLE base (id INTEGER PRIMARY KEY)")

    result = cli("migrate:lint", "--json")

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["database"] == "SQLite"
    assert document["findings"] == []
    assert document["nothing_to_lint"].startswith("a migration on SQLite runs in one transaction")
