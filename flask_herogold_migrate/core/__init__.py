"""The framework-neutral migration engine: nothing under this package imports Flask."""

from __future__ import annotations

from .config import MigrateSettings
from .errors import (
    BatchModeRequired,
    BrokenMigrationFile,
    ConfigurationError,
    DatabaseNotMigrated,
    DatabaseUnavailable,
    FailedMigrationRecorded,
    FailureLocation,
    ForeignKeyViolation,
    ForeignKeyViolations,
    InvalidMigrationName,
    LockFileUnavailable,
    LockTimeout,
    MigrationError,
    MigrationFailed,
    MigrationFileMissing,
    MigrationFileNotCreated,
    MigrationNamesCollide,
    MigrationsDirectoryNotFound,
    OutOfOrderMigrations,
    RenamedMigrationFile,
    RollbackUnavailable,
    RunNotCommitted,
    TrackingTableError,
    UnknownTarget,
    UnsupportedDatabase,
)
from .files.create import create_migration
from .manager import MigrationManager
from .migration import Migration
from .operations import schema
from .progress import Progress
from .runtime.lock import DEFAULT_LOCK_TIMEOUT
from .runtime.plan import MigrationPlan, PlannedStep
from .runtime.repair import RepairAction, RepairPlan, RepairResult
from .runtime.status import MigrationStatus, MisnamedFile, Status
from .runtime.wait import SchemaWaitTimeout
from .states import Direction, ShownState

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "BatchModeRequired",
    "BrokenMigrationFile",
    "ConfigurationError",
    "DatabaseNotMigrated",
    "DatabaseUnavailable",
    "Direction",
    "FailedMigrationRecorded",
    "FailureLocation",
    "ForeignKeyViolation",
    "ForeignKeyViolations",
    "InvalidMigrationName",
    "LockFileUnavailable",
    "LockTimeout",
    "MigrateSettings",
    "Migration",
    "MigrationError",
    "MigrationFailed",
    "MigrationFileMissing",
    "MigrationFileNotCreated",
    "MigrationManager",
    "MigrationNamesCollide",
    "MigrationPlan",
    "MigrationStatus",
    "MigrationsDirectoryNotFound",
    "MisnamedFile",
    "OutOfOrderMigrations",
    "PlannedStep",
    "Progress",
    "RenamedMigrationFile",
    "RepairAction",
    "RepairPlan",
    "RepairResult",
    "RollbackUnavailable",
    "RunNotCommitted",
    "SchemaWaitTimeout",
    "ShownState",
    "Status",
    "TrackingTableError",
    "UnknownTarget",
    "UnsupportedDatabase",
    "create_migration",
    "schema",
]
