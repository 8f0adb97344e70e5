"""The framework-neutral migration engine: nothing under this package imports Flask."""

from __future__ import annotations

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
from .errors.seeding import (
    BrokenSeederFile,
    MigrationsPending,
    SeederFailed,
    SeederNotCreated,
    SeedersNotFound,
)
from .files.create import create_migration
from .fresh.objects import DatabaseObjects
from .fresh.run import FreshPlan, FreshResult, RefreshResult, fresh, plan_fresh, refresh
from .manager import MigrationManager
from .migration import Migration
from .operations import schema
from .progress import Progress
from .runtime.lock import DEFAULT_LOCK_TIMEOUT
from .runtime.plan import MigrationPlan, PlannedStep
from .runtime.repair import RepairAction, RepairPlan, RepairResult
from .runtime.status import MigrationStatus, MisnamedFile, Status
from .runtime.wait import SchemaWaitTimeout
from .seeding.files import create_seeder
from .seeding.runner import SeedPlan, SeedResult, plan_seed, seed
from .seeding.seeder import Seeder
from .states import Direction, ShownState

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "BatchModeRequired",
    "BrokenMigrationFile",
    "BrokenSeederFile",
    "ConfigurationError",
    "DatabaseNotMigrated",
    "DatabaseObjects",
    "DatabaseUnavailable",
    "Direction",
    "FailedMigrationRecorded",
    "FailureLocation",
    "ForeignKeyViolation",
    "ForeignKeyViolations",
    "FreshPlan",
    "FreshResult",
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
    "MigrationsPending",
    "MisnamedFile",
    "OutOfOrderMigrations",
    "PlannedStep",
    "Progress",
    "RefreshResult",
    "RenamedMigrationFile",
    "RepairAction",
    "RepairPlan",
    "RepairResult",
    "RollbackUnavailable",
    "RunNotCommitted",
    "SchemaWaitTimeout",
    "SeedPlan",
    "SeedResult",
    "Seeder",
    "SeederFailed",
    "SeederNotCreated",
    "SeedersNotFound",
    "ShownState",
    "Status",
    "TrackingTableError",
    "UnknownTarget",
    "UnsupportedDatabase",
    "create_migration",
    "create_seeder",
    "fresh",
    "plan_fresh",
    "plan_seed",
    "refresh",
    "schema",
    "seed",
]
