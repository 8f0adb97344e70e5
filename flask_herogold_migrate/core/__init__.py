"""The framework-neutral migration engine: nothing under this package imports Flask."""

from __future__ import annotations

from .create import create_migration
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
from .lock import DEFAULT_LOCK_TIMEOUT
from .migration import Migration
from .plan import MigrationPlan, PlannedStep
from .progress import Progress
from .repair import RepairAction, RepairPlan, RepairResult
from .runner import MigrationManager
from .schema_operations import schema
from .states import Direction, ShownState
from .status import MigrationStatus, MisnamedFile, Status
from .wait import SchemaWaitTimeout

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
