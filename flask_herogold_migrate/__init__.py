"""Laravel-style database migrations for Flask and SQLModel."""

from __future__ import annotations

from .core import Migration, MigrationManager, create_migration
from .core.errors import MigrationError, MigrationFailed
from .extension import HerogoldMigrate

__all__ = [
    "HerogoldMigrate",
    "Migration",
    "MigrationError",
    "MigrationFailed",
    "MigrationManager",
    "create_migration",
]
__version__ = "0.1.0"
