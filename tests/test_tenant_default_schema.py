"""A schema tenant that is the database's default schema is refused before anything runs.

Its migrations would land beside the app's own tables and be recorded in the app's own
tracking table, and ``migrate:rollback`` would then find the app's files missing. Schema
tenants exist only on PostgreSQL.
"""

from __future__ import annotations

import pytest

from flask_herogold_migrate import TenantInDefaultSchema
from tests.many_databases import servers  # noqa: F401  (the fixture)
from tests.test_tenants import tenants  # noqa: F401  (the fixture)


def invoke(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


MESSAGE = (
    "Error: The tenant schema public is the database's default schema, where the app's own "
    "tracking table is: each tenant needs a schema of its own. Nothing was run."
)


@pytest.mark.parametrize("args", [["--all-tenants"], ["--tenant", "public"]])
def test_the_default_schema_as_a_tenant_is_one_error_and_nothing_runs(tenants, args):  # noqa: F811
    [schema] = tenants.add_schemas(1)
    tenants.tenants["public"] = "public"
    app = tenants.make()

    result = invoke(app, "migrate", *args)

    assert result.exit_code == 1
    assert result.output.strip() == MESSAGE
    assert tenants.servers.tables(tenants.url, schema="public") == set()
    assert tenants.tables(schema) == set()


def test_the_api_refuses_it_too(tenants):  # noqa: F811
    tenants.tenants["public"] = "public"
    app = tenants.make()

    with app.app_context(), pytest.raises(TenantInDefaultSchema) as raised:
        app.extensions["herogold_migrate"].extension.migrate_tenant("public")

    assert raised.value.schema == "public"
    assert tenants.servers.tables(tenants.url, schema="public") == set()
