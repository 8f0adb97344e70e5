"""Laravel-style database migrations for Flask and SQLModel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .core import Migration, MigrationManager, create_migration
from .core.errors import MigrationError, MigrationFailed
from .core.schema_operations import schema

if TYPE_CHECKING:
    from .extension import HerogoldMigrate

__all__ = [
    "HerogoldMigrate",
    "Migration",
    "MigrationError",
    "MigrationFailed",
    "MigrationManager",
    "create_migration",
    "schema",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # The extension (and Flask with it) loads on first use, so the core and the standalone
    # commands work, and start faster, without importing Flask.
    if name == "HerogoldMigrate":
        from .extension import HerogoldMigrate

        return HerogoldMigrate
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
