"""Laravel-style database migrations for Flask and SQLModel."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .core import Migration, MigrationManager, Seeder, create_migration
    from .core.errors import MigrationError, MigrationFailed
    from .core.operations import schema
    from .extension import HerogoldMigrate

__all__ = [
    "HerogoldMigrate",
    "Migration",
    "MigrationError",
    "MigrationFailed",
    "MigrationManager",
    "Seeder",
    "create_migration",
    "schema",
]
__version__ = "0.1.0"

# Each public name is imported on first use. Importing the package itself stays free, which
# the pytest plugin (flask_herogold_migrate.pytest_plugin) needs: pytest loads it in every
# run of every project that has this package installed, before collecting anything. The
# extension (and Flask with it) loads only when asked for, so the core and the standalone
# commands work, and start faster, without Flask.
_PUBLIC = {
    "HerogoldMigrate": ".extension",
    "Migration": ".core",
    "MigrationError": ".core.errors",
    "MigrationFailed": ".core.errors",
    "MigrationManager": ".core",
    "Seeder": ".core",
    "create_migration": ".core",
    "schema": ".core.operations",
}


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
