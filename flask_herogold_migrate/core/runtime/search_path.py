"""PostgreSQL schemas as databases of their own: the run's connection set to one schema.

A schema tenant's migrations are the same files for every tenant: they name tables without a
schema, and the connection's ``search_path`` decides where they land. So every connection a
run of that tenant takes is set to that schema alone before its first query: the startup
check, ``status``, the lock (whose key follows the schema the tracking table resolves in, see
:mod:`.dialects.postgresql`) and the migrations all see the tenant's schema and nothing else.
Another schema on the path would be searched for the unqualified tracking table too, and a
tenant without one yet would read the other schema's.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from ..errors import ConfigurationError

# Checks that the schema exists and sets the path in one round trip: no row, no change.
# set_config(..., false) lasts for the session once the transaction commits.
_ENTER = text(
    "SELECT pg_catalog.set_config('search_path', pg_catalog.quote_ident(n.nspname), false) "
    "FROM pg_catalog.pg_namespace n WHERE n.nspname = :schema"
)
_EXISTING = text(
    "SELECT n.nspname FROM pg_catalog.pg_namespace n WHERE n.nspname IN :names"
).bindparams(bindparam("names", expanding=True))


class SchemaNotFound(ConfigurationError):
    """A tenant's PostgreSQL schema does not exist; nothing was run."""

    def __init__(self, message: str, *, schemas: tuple[str, ...] = ()):
        super().__init__(message)
        self.schemas = schemas

    @classmethod
    def for_schemas(cls, schemas: list[str]) -> SchemaNotFound:
        named = ", ".join(schemas)
        subject = "schemas do not exist" if schemas[1:] else "schema does not exist"
        return cls(
            f"The tenant {subject}: {named}. Nothing was run. Create it first (CREATE SCHEMA), "
            "or leave it out of the tenants HEROGOLD_MIGRATE_TENANTS returns.",
            schemas=tuple(schemas),
        )


def enter_schema(conn: Connection, schema: str) -> None:
    """Set ``conn``'s ``search_path`` to ``schema`` alone; :class:`SchemaNotFound` if absent."""
    require_postgresql(conn.dialect.name, schema)
    with conn.begin():
        found = conn.execute(_ENTER, {"schema": schema}).first()
    if found is None:
        raise SchemaNotFound.for_schemas([schema])


def check_schemas_exist(conn: Connection, schemas: Iterable[str]) -> None:
    """One query for many schemas: :class:`SchemaNotFound` naming every one missing."""
    wanted = list(dict.fromkeys(schemas))
    if not wanted:
        return
    require_postgresql(conn.dialect.name, wanted[0])
    with conn.begin():
        existing = set(conn.execute(_EXISTING, {"names": wanted}).scalars())
    missing = [schema for schema in wanted if schema not in existing]
    if missing:
        raise SchemaNotFound.for_schemas(missing)


def require_postgresql(dialect_name: str, schema: str) -> None:
    if dialect_name != "postgresql":
        raise ConfigurationError(
            f"The tenant {schema!r} is a schema name, and a schema per tenant needs "
            f"PostgreSQL, but the database is {dialect_name}. Give such tenants as database "
            "URLs instead (one database per tenant)."
        )
