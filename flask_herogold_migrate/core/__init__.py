"""The framework-neutral migration engine: nothing under this package imports Flask."""

from __future__ import annotations

from .create import create_migration
from .errors import (
    BrokenMigrationFile,
    ConfigurationError,
    DatabaseUnavailable,
    FailedMigrationRecorded,
    InvalidMigrationName,
    LockFileUnavailable,
    LockTimeout,
    MigrationError,
    MigrationFailed,
    MigrationFileMissing,
    MigrationFileNotCreated,
    MigrationsDirectoryNotFound,
    RollbackUnavailable,
    RunNotCommitted,
    TrackingTableError,
    UnknownTarget,
)
from .lock import DEFAULT_LOCK_TIMEOUT
from .migration import Migration
from .progress import Progress
from .runner import MigrationManager

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "BrokenMigrationFile",
    "ConfigurationError",
    "DatabaseUnavailable",
    "FailedMigrationRecorded",
    "InvalidMigrationName",
    "LockFileUnavailable",
    "LockTimeout",
    "Migration",
    "MigrationError",
    "MigrationFailed",
    "MigrationFileMissing",
    "MigrationFileNotCreated",
    "MigrationManager",
    "MigrationsDirectoryNotFound",
    "Progress",
    "RollbackUnavailable",
    "RunNotCommitted",
    "TrackingTableError",
    "UnknownTarget",
    "create_migration",
]
