"""A schema tenant must not be the app's own schema.

The default bind's migrations and tracking table live in the schema its connections start in
(``public``, usually), or wherever its ``search_path`` finds the tracking table. A tenant
given that schema would write its rows into the app's own tracking table: the app would then
count the tenant's migrations as its own, and see its own files as missing. So the schema a
connection starts in, and the one holding the app's tracking table, are refused as tenants.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.engine import Connection

from ..errors import ConfigurationError

# One round trip: the schema a connection starts in, and the one where its search_path finds
# the tracking table (NULL when there is none yet).
_APP_SCHEMAS = text(
    "SELECT pg_catalog.current_schema(), (SELECT n.nspname FROM pg_catalog.pg_class c "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.oid = pg_catalog.to_regclass(pg_catalog.quote_ident(:table)))"
)


class TenantIsTheAppsSchema(ConfigurationError):
    """A schema tenant named the schema of the app's own migrations; nothing was run."""

    def __init__(self, message: str, *, schema: str = ""):
        super().__init__(message)
        self.schema = schema


def refuse_the_apps_schema(conn: Connection, schemas: Iterable[str], table: str) -> None:
    """:class:`TenantIsTheAppsSchema` if one of ``schemas`` is the app's own schema.

    ``conn`` is a connection of the default bind as it starts (its own ``search_path``).
    """
    wanted = set(schemas)
    if not wanted:
        return
    with conn.begin():
        row = conn.execute(_APP_SCHEMAS, {"table": table}).one()
    for schema in (row[0], row[1]):
        if schema is not None and schema in wanted:
            raise TenantIsTheAppsSchema(
                f"The tenant schema {schema} is the app's own schema, where the tracking table "
                f"{table} of the app's migrations is: a tenant there would share it. Nothing "
                "was run. Give each tenant a schema of its own (CREATE SCHEMA), and leave "
                f"{schema} out of the tenants HEROGOLD_MIGRATE_TENANTS returns.",
                schema=schema,
            )
