"""Which databases of a Flask app are migrated: the default bind, other binds, and tenants.

``HEROGOLD_MIGRATE_BINDS`` maps the name of a Flask-SQLAlchemy bind (``SQLALCHEMY_BINDS``) to
its migrations directory; a bind not listed is not migrated. The default bind keeps
``HEROGOLD_MIGRATE_DIR``. ``HEROGOLD_MIGRATE_TENANTS`` names the callable returning the
tenants, which all share ``HEROGOLD_MIGRATE_TENANT_DIR``; schema tenants live in the default
bind's database. Each database has its own tracking table, batches and lock.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from flask import Flask
from sqlalchemy.engine import Engine

from ..core import ConfigurationError, MigrationManager
from ..core.dialects.sqlite_files import database_file
from ..core.progress import ProgressCallback
from ..core.runtime.connection import engine_for_many_runs, engine_from_url
from ..core.targets.runs import Target, built_target
from ..core.targets.tenants import (
    Tenant,
    load_tenants,
    select_tenant,
    tenant_target,
    tenant_targets,
)
from .config import settings_of
from .database import resolve_sqlite_path


class HerogoldMigrate(Protocol):
    """What the app's side needs of the extension (:class:`~..extension.HerogoldMigrate`)."""

    def manager(
        self,
        directory: str | os.PathLike[str] | None = None,
        *,
        bind: str | None = None,
        single_transaction: bool | None = None,
        progress: ProgressCallback | None = None,
        require_lock: bool = False,
        skip_post_deploy: bool = False,
    ) -> MigrationManager: ...

    @staticmethod
    def engine(app: Flask) -> Engine: ...


#: How the default bind is named in output and in ``migrate:status --all-binds --json``.
DEFAULT_BIND = "default"


def migrated_binds(app: Flask) -> Mapping[str, Path]:
    """``HEROGOLD_MIGRATE_BINDS``, checked, with each directory relative to ``root_path``."""
    return settings_of(app).binds


def bind_order(app: Flask) -> list[str | None]:
    """The default bind (None) first, then the migrated binds by name: the order of a run."""
    return [None, *sorted(migrated_binds(app))]


def check_bind(app: Flask, bind: str) -> Path:
    """The migrations directory of ``bind``, or a clear error if it is not migrated."""
    binds = migrated_binds(app)
    if bind in binds:
        return binds[bind]
    known = app.config.get("SQLALCHEMY_BINDS") or {}
    if bind in known:
        raise ConfigurationError(
            f"The bind {bind!r} is not migrated: add it to HEROGOLD_MIGRATE_BINDS with its "
            "migrations directory. Nothing was run."
        )
    raise ConfigurationError(
        f"Unknown bind {bind!r}: HEROGOLD_MIGRATE_BINDS names {_listed(binds)}. Nothing was run."
    )


def refuse_a_shared_database(bind: str, engine: Engine, others: Mapping[str, Engine]) -> None:
    """Refuse a migrated bind whose database is another's: one tracking table and one lock
    would serve two directories (each would call the other's migrations missing), and
    ``migrate:fresh`` of one would drop the other's tables."""
    key = _database_key(engine)
    for name, other in others.items():
        if name != bind and _database_key(other) == key:
            raise ConfigurationError(
                f"The binds {name!r} and {bind!r} are the same database "
                f"({engine.url.render_as_string(hide_password=True)}): each migrated bind "
                "needs a database of its own, since its tracking table and lock are that "
                "database's. Nothing was run."
            )


def _database_key(engine: Engine) -> tuple[str, ...]:
    url = engine.url
    if url.get_backend_name() == "sqlite":
        path = database_file(url)
        return ("sqlite", os.path.realpath(path) if path else f"memory {id(engine)}")
    options = ",".join(f"{k}={v}" for k, v in sorted(url.query.items()))
    return (
        url.get_backend_name(),
        url.host or "",
        str(url.port or ""),
        url.database or "",
        options,
    )


def bind_engine(app: Flask, db: Any, own_engines: dict[str, Engine], bind: str) -> Engine:
    """Flask-SQLAlchemy's engine of ``bind``, else one built from ``SQLALCHEMY_BINDS``."""
    if db is not None:
        engines: Mapping[str | None, Engine] = db.engines
        if bind in engines:
            return engines[bind]
    if bind not in own_engines:
        options = (app.config.get("SQLALCHEMY_BINDS") or {})[bind]
        url = options.get("url") if isinstance(options, Mapping) else options
        if not isinstance(url, str):
            raise ConfigurationError(f"SQLALCHEMY_BINDS gives the bind {bind!r} no URL.")
        own_engines[bind] = engine_from_url(url)
    return own_engines[bind]


def bind_name(bind: str | None) -> str:
    return DEFAULT_BIND if bind is None else bind


def bind_targets(extension: HerogoldMigrate, app: Flask) -> list[Target]:
    """Every migrated bind, default first, each with how to make its manager."""
    order = bind_order(app)
    for bind in order[1:]:
        extension.manager(bind=bind)  # a bind that is another's database: refused before any runs
    return [bind_target(extension, bind) for bind in order]


def bind_target(
    extension: HerogoldMigrate, bind: str | None, directory: Path | None = None
) -> Target:
    manager = functools.partial(extension.manager, directory, bind=bind)
    return built_target(bind_name(bind), manager, "bind")


def tenant_dir(app: Flask) -> Path:
    return settings_of(app).tenant_dir


def tenants(app: Flask) -> list[Tenant]:
    """What ``HEROGOLD_MIGRATE_TENANTS`` returns, read; a URL tenant's relative SQLite path
    is resolved against the instance folder, as for ``SQLALCHEMY_DATABASE_URI``."""
    source = settings_of(app).tenants
    if source is None:
        raise ConfigurationError(
            "No tenants: set HEROGOLD_MIGRATE_TENANTS to a callable returning them (or the "
            "import string of one). Nothing was run."
        )
    found = load_tenants(source)
    return [
        tenant
        if tenant.url is None
        else Tenant(tenant.name, url=resolve_sqlite_path(app, tenant.url))
        for tenant in found
    ]


def tenant_builder(app: Flask, directory: Path | None) -> Any:
    """How to build a tenant's manager, made once with the app's settings (threads need no
    app context to call it); ``run`` as for :meth:`.MigrateSettings.manager`."""
    settings = settings_of(app)
    where = tenant_directory(app, directory)

    def build(engine: Engine, schema: str | None, **run: Any) -> MigrationManager:
        return settings.manager(where, engine, schema=schema, **run)

    return build


def tenant_directory(app: Flask, directory: Path | None) -> Path:
    """The directory of every tenant: ``--dir``, else ``HEROGOLD_MIGRATE_TENANT_DIR``."""
    return directory if directory is not None else settings_of(app).tenant_dir


@contextmanager
def all_tenant_targets(
    extension: HerogoldMigrate, app: Flask, directory: Path | None = None
) -> Iterator[list[Target]]:
    """Every tenant's target, for the duration of a run over all of them.

    Schema tenants share an engine of their own whose connections serve one tenant after the
    other (:func:`.core.connection.engine_for_many_runs`).
    """
    found = tenants(app)
    table = settings_of(app).table
    with engine_for_many_runs(extension.engine(app)) as engine:
        build = tenant_builder(app, directory)
        where = tenant_directory(app, directory)
        yield tenant_targets(found, engine, build, table=table, directory=where)


def one_tenant_target(
    extension: HerogoldMigrate, app: Flask, name: str, directory: Path | None = None
) -> Target:
    tenant = select_tenant(tenants(app), name)
    engine = extension.engine(app)
    table = settings_of(app).table
    build = tenant_builder(app, directory)
    where = tenant_directory(app, directory)
    return tenant_target(tenant, engine, build, table=table, directory=where)


def _listed(names: Mapping[str, Any]) -> str:
    return ", ".join(sorted(names)) if names else "none"
