"""Tenants: the same migrations brought to many schemas or databases.

The application says who its tenants are with a callable (or the import string of one) that
returns them: PostgreSQL schema names, which live in one shared database, or database URLs
(MariaDB, SQLite, PostgreSQL databases), one database each. It may return a list, or a
mapping of tenant names to schema names or URLs. A tenant given as a bare URL is named after
its database (for SQLite, the file's name without its extension).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from sqlalchemy import make_url
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError

from ..errors import ConfigurationError
from ..manager import MigrationManager
from ..runtime.connection import engine_from_url, run_connection
from ..runtime.search_path import check_schemas_exist, require_postgresql
from ..urls import safe_url
from .default_schema import refuse_the_apps_schema
from .runs import Target

#: Builds the manager of one tenant from its engine (or URL) and schema, with the app's
#: settings (directory, table, lock timeout...); keyword arguments as for ``Target.open``.
BuildManager = Callable[..., MigrationManager]


class UnknownTenant(ConfigurationError):
    """A tenant name that the tenants callable does not return."""

    def __init__(self, message: str, *, name: str = ""):
        super().__init__(message)
        self.name = name


class TenantsUnavailable(ConfigurationError):
    """The tenants callable cannot be imported, raises, or returns no tenants."""


@dataclass(frozen=True)
class Tenant:
    """One tenant: a schema of the shared database, or a database of its own."""

    name: str
    #: The PostgreSQL schema, for a schema tenant.
    schema: str | None = None
    #: The database URL, for a tenant with a database of its own.
    url: str | None = None

    def describe(self) -> str:
        if self.schema is not None:
            return f"schema {self.schema}"
        return safe_url(self.url or "")


def load_tenants(source: object, setting: str = "HEROGOLD_MIGRATE_TENANTS") -> list[Tenant]:
    """Call ``source`` (a callable, or ``"package.module:function"``) and read its tenants.

    Every way it can go wrong, including returning nothing, is a :class:`TenantsUnavailable`
    that names ``setting``: a deploy must not report success having migrated no tenant.
    """
    function = _callable(source, setting)
    try:
        returned = function()
    except Exception as error:
        raise TenantsUnavailable(
            f"{setting} ({_name_of(source)}) raised {type(error).__name__}: {error}. "
            "Nothing was run."
        ) from error
    tenants = _read(returned, setting, _name_of(source))
    if not tenants:
        raise TenantsUnavailable(
            f"{setting} ({_name_of(source)}) returned no tenants ({returned!r}). Nothing was "
            "run: return the tenants' schema names or database URLs."
        )
    return tenants


def select_tenant(tenants: list[Tenant], name: str) -> Tenant:
    for tenant in tenants:
        if tenant.name == name:
            return tenant
    shown = ", ".join(t.name for t in tenants[:10]) + (", ..." if len(tenants) > 10 else "")
    raise UnknownTenant(
        f"Unknown tenant {name!r}: HEROGOLD_MIGRATE_TENANTS does not return it (it returns "
        f"{shown}). Nothing was run.",
        name=name,
    )


def tenant_targets(
    tenants: list[Tenant],
    engine: Engine,
    build: BuildManager,
    *,
    table: str = "migrations",
    directory: Path | None = None,
) -> list[Target]:
    """A target per tenant; checks first, on one connection, that every schema exists and
    none is the app's own (where its tracking table ``table`` is).

    ``engine`` is the shared database of schema tenants; a URL tenant gets an engine of its
    own for its run, disposed of after it.
    """
    schemas = [tenant.schema for tenant in tenants if tenant.schema is not None]
    if schemas:
        require_postgresql(engine.dialect.name, schemas[0])
        with run_connection(engine) as conn:
            check_schemas_exist(conn, schemas)
            refuse_the_apps_schema(conn, schemas, table)
    return [tenant_target(tenant, engine, build, directory=directory) for tenant in tenants]


def tenant_target(
    tenant: Tenant,
    engine: Engine,
    build: BuildManager,
    *,
    table: str | None = None,
    directory: Path | None = None,
) -> Target:
    """The target of one tenant; with ``table``, a schema tenant is first checked not to be
    the app's own schema (:func:`tenant_targets` checks all of them at once instead).
    ``directory`` is the one every tenant shares, for the plan to check once."""

    @contextmanager
    def open_it(**run: Any) -> Iterator[MigrationManager]:
        if tenant.schema is not None and table is not None:
            require_postgresql(engine.dialect.name, tenant.schema)
            with run_connection(engine) as conn:
                refuse_the_apps_schema(conn, [tenant.schema], table)
        if tenant.url is None:
            yield build(engine, tenant.schema, target_name=tenant.name, **run)
            return
        own = engine_from_url(tenant.url)
        try:
            yield build(own, None, target_name=tenant.name, **run)
        finally:
            own.dispose()

    return Target(tenant.name, open_it, "tenant", directory)


def _callable(source: object, setting: str) -> Callable[[], Any]:
    if callable(source):
        return source
    if not isinstance(source, str) or not source.strip():
        raise TenantsUnavailable(
            f"{setting} is {source!r}: set it to a callable returning the tenants, or to the "
            'import string of one ("myapp.tenants:all_tenants").'
        )
    module_name, _, attribute = source.strip().replace(":", ".").rpartition(".")
    try:
        found = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as error:
        raise TenantsUnavailable(
            f"{setting}={source!r} cannot be imported: {type(error).__name__}: {error}. "
            'Give it as "package.module:function".'
        ) from None
    if not callable(found):
        raise TenantsUnavailable(f"{setting}={source!r} is not callable.")
    return found  # type: ignore[no-any-return]


def _name_of(source: object) -> str:
    if isinstance(source, str):
        return source
    module = getattr(source, "__module__", None)
    name = getattr(source, "__qualname__", None) or repr(source)
    return f"{module}.{name}" if module else name


def _read(returned: object, setting: str, source: str) -> list[Tenant]:
    if returned is None or isinstance(returned, (str, bytes)):
        pairs: Iterable[tuple[str | None, object]] = []
        if isinstance(returned, str) and returned:
            raise TenantsUnavailable(
                f"{setting} ({source}) returned a string, {returned!r}: return a list of "
                "tenants, even for one. Nothing was run."
            )
    elif isinstance(returned, Mapping):
        pairs = list(returned.items())
    elif isinstance(returned, Iterable):
        pairs = [(None, item) for item in returned]
    else:
        raise TenantsUnavailable(
            f"{setting} ({source}) returned {type(returned).__name__}, not a list or mapping "
            "of tenants. Nothing was run."
        )
    tenants: list[Tenant] = []
    seen: set[str] = set()
    for key, value in pairs:
        tenant = _tenant(key, value, setting, source)
        if tenant.name in seen:
            raise TenantsUnavailable(
                f"{setting} ({source}) returned the tenant {tenant.name!r} twice. Nothing was run."
            )
        seen.add(tenant.name)
        tenants.append(tenant)
    return tenants


def _tenant(key: object, value: object, setting: str, source: str) -> Tenant:
    if not isinstance(value, str) or not value.strip():
        raise TenantsUnavailable(
            f"{setting} ({source}) returned {value!r} as a tenant: each must be a schema name "
            "or a database URL. Nothing was run."
        )
    if key is not None and (not isinstance(key, str) or not key):
        raise TenantsUnavailable(f"{setting} ({source}) returned {key!r} as a tenant's name.")
    if "://" not in value:
        return Tenant(key or value, schema=value)
    try:
        url = make_url(value)
    except (ArgumentError, ValueError):
        raise TenantsUnavailable(
            f"{setting} ({source}) returned a tenant URL that cannot be parsed. Nothing was run."
        ) from None
    name = key or _name_from_url(url.get_backend_name(), url.database)
    if not name:
        raise TenantsUnavailable(
            f"{setting} ({source}) returned {safe_url(url)}, which names no database: return "
            "a mapping of tenant names to URLs instead. Nothing was run."
        )
    return Tenant(name, url=value)


def _name_from_url(backend: str, database: str | None) -> str:
    if not database:
        return ""
    if backend == "sqlite":
        return PurePath(database.replace(os.sep, "/")).stem
    return database
