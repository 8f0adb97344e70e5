"""What reads a schema tenant reads the tenant's schema: ``migrate:check --tenant``,
autogenerate and the wait for migrations connect as the tenant's runs do, with the tenant's
``search_path``, never the app's own tracking table in ``public``."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table

from flask_herogold_migrate.core.deploy.wait import wait_until_migrated
from tests.many_databases import servers  # noqa: F401  (the fixture)
from tests.test_tenants import invoke, tenants  # noqa: F401  (the fixture)


def tenant_models(*, email: bool = False) -> MetaData:
    """The tables the tenants' migrations make, with ``accounts.email`` too if asked."""
    metadata = MetaData()
    extra = [Column("email", String(100))] if email else []
    Table("accounts", metadata, Column("id", Integer, primary_key=True), *extra)
    Table("invoices", metadata, Column("id", Integer, primary_key=True))
    return metadata


@pytest.fixture
def migrated_tenant(tenants):  # noqa: F811
    """A schema tenant with both migrations applied; the app's own schema has none."""
    [schema] = tenants.add_schemas(1)
    return schema


def test_migrate_check_of_a_tenant_reads_the_tenants_tracking_table(tenants, migrated_tenant):  # noqa: F811
    app = tenants.make(HEROGOLD_MIGRATE_METADATA=tenant_models())
    assert (
        invoke(app, "migrate", "--tenant", migrated_tenant, "--target", "accounts").exit_code == 0
    )

    pending = invoke(app, "migrate:check", "--tenant", migrated_tenant)

    assert pending.exit_code == 1
    assert "Pending migrations: 20260102_invoices\n" in pending.output
    assert invoke(app, "migrate", "--tenant", migrated_tenant).exit_code == 0

    result = invoke(app, "migrate:check", "--tenant", migrated_tenant)

    assert result.exit_code == 0, result.output
    assert result.output == "The database is migrated and matches the models.\n"
    assert tenants.servers.tables(tenants.url, schema="public") == set()


def test_autogenerate_for_a_tenant_compares_the_tenants_schema(tenants, migrated_tenant):  # noqa: F811
    app = tenants.make()
    assert invoke(app, "migrate", "--tenant", migrated_tenant).exit_code == 0

    with app.app_context():
        extension = app.extensions["herogold_migrate"].extension
        with extension.tenant_manager(migrated_tenant) as manager:
            plan = manager.plan_autogenerate(tenant_models(email=True))

    assert [(d.kind, d.table, d.name) for d in plan.differences] == [
        ("+ column", "accounts", "email")
    ]
    assert plan.unknown_tables == ()


def test_waiting_for_a_tenant_reads_the_tenants_tracking_table(tenants, migrated_tenant):  # noqa: F811
    app = tenants.make()
    assert invoke(app, "migrate", "--tenant", migrated_tenant).exit_code == 0

    with app.app_context():
        extension = app.extensions["herogold_migrate"].extension
        with extension.tenant_manager(migrated_tenant) as manager:
            result = wait_until_migrated(manager, timeout=0)

    assert result.seconds == 0
    assert result.first_seen.done
