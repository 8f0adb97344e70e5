"""The standalone command's databases: ``--database-url``, and the tenants of the environment.

``HEROGOLD_MIGRATE_TENANTS`` is the import string of the callable that returns the tenants, as
in a Flask app's config, and ``HEROGOLD_MIGRATE_TENANT_DIR`` the directory they share. Schema
tenants live in the database of ``--database-url``; a tenant given as a URL is a database of
its own, so ``--all-tenants`` over URL tenants needs no ``--database-url``. Binds are a
Flask-SQLAlchemy concept: the standalone command has none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from ...core import ConfigurationError, MigrationManager
from ...core.runtime.connection import engine_for_many_runs, engine_from_url
from ...core.targets.runs import Target
from ...core.targets.selection import Selection, TargetKind
from ...core.targets.tenants import load_tenants, select_tenant, tenant_target, tenant_targets

#: The manager of ``directory`` on the command's database, from the command's options;
#: keyword arguments as for ``Target.open``.
OpenManager = Callable[..., MigrationManager]
#: The settings (``MigrateSettings``) of the environment and the options given.
Settings = Callable[[dict[str, Any]], Any]


class StandaloneTargets:
    """The :class:`~.core.targets.selection.TargetSource` of ``herogold-migrate``."""

    kinds: tuple[TargetKind, ...] = ("tenant",)

    def __init__(self, open_manager: OpenManager, settings: Settings) -> None:
        self._open_manager = open_manager
        self._settings = settings

    def tenant_dir(self, extra: dict[str, Any]) -> Path:
        return Path(self._settings(extra).tenant_dir)

    @contextmanager
    def targets(
        self, selection: Selection, directory: Path | None, extra: dict[str, Any]
    ) -> Iterator[list[Target]]:
        if selection.tenant is None and not selection.all_tenants:

            @contextmanager
            def open_it(**run: Any) -> Iterator[MigrationManager]:
                yield self._open_manager(directory, extra, **run)

            yield [Target("database", open_it, "database")]
            return
        settings = self._settings(extra)
        source = settings.tenants
        if not source:
            raise ConfigurationError(
                "No tenants: set HEROGOLD_MIGRATE_TENANTS to the import string of a callable "
                'returning them ("myapp.tenants:all_tenants"). Nothing was run.'
            )
        found = load_tenants(source)
        if selection.tenant is not None:
            found = [select_tenant(found, selection.tenant)]
        where = directory if directory is not None else Path(settings.tenant_dir)

        def build(engine: Engine, schema: str | None, **run: Any) -> MigrationManager:
            manager: MigrationManager = settings.manager(where, engine, schema=schema, **run)
            return manager

        table = settings.table
        with self._shared_engine(extra, any(t.schema for t in found)) as engine:
            if selection.tenant is not None:
                yield [tenant_target(found[0], engine, build, table=table, directory=where)]
            else:
                yield tenant_targets(found, engine, build, table=table, directory=where)

    @contextmanager
    def _shared_engine(self, extra: dict[str, Any], needed: bool) -> Iterator[Any]:
        """The database of ``--database-url``, where schema tenants live (None if unused)."""
        url = extra.get("database_url") or None
        if not needed:
            yield None
            return
        if url is None:
            raise ConfigurationError(
                "Schema tenants live in the database of --database-url: pass it or set "
                "DATABASE_URL. Nothing was run."
            )
        engine = engine_from_url(url)
        try:
            with engine_for_many_runs(engine) as shared:
                yield shared
        finally:
            engine.dispose()
