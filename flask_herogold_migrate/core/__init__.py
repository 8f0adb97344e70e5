"""The framework-neutral migration engine: nothing under this package imports Flask.

This module is the core's facade: every name the documentation shows is importable from here
(or from :mod:`flask_herogold_migrate`), wherever it lives inside. What a run always needs is
imported at once; the rest (previews, autogenerate, migration tests, tenants) on first use, so
the startup check loads none of it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .config import MigrateSettings
from .deploy.wait import SchemaWaitTimeout
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
    LinterUnavailable,
    LockFileUnavailable,
    LockTimeout,
    LockWait,
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
    ThrowawayDatabaseError,
    TrackingTableError,
    TransactionEndedInStep,
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
from .manager import MigrationManager
from .migration import Migration
from .operations import alembic_op, schema
from .progress import Progress
from .runtime.lock import DEFAULT_LOCK_TIMEOUT
from .runtime.plan import MigrationPlan, PlannedStep
from .runtime.repair import RepairAction, RepairKind, RepairPlan, RepairResult
from .runtime.status import MigrationStatus, MisnamedFile, Status
from .states import Direction, ShownState

if TYPE_CHECKING:
    from .adopt.adopt import AdoptPlan, BaselineDiffers
    from .adopt.fold import SquashPartlyApplied
    from .adopt.live_schema import AdoptionRefused
    from .adopt.squash import SquashPlan
    from .autogenerate.compare import compare_models
    from .autogenerate.difference import Difference
    from .autogenerate.plan import AutogeneratePlan
    from .autogenerate.renames import RenameCandidate
    from .autogenerate.todos import Todo
    from .deploy.wait import WaitResult, wait_until_migrated
    from .errors.interrupted import Interrupted
    from .errors.locked import DatabaseLocked, StepNotStarted
    from .events import Signals, signals
    from .fresh.objects import DatabaseObjects
    from .fresh.run import (
        FreshFailed,
        FreshPlan,
        FreshResult,
        RefreshResult,
        fresh,
        plan_fresh,
        refresh,
    )
    from .models.check import ModelCheck
    from .offline.script import OfflineScript
    from .offline.session import UnrenderableMigration
    from .preview.capture import CapturedStatement
    from .preview.rehearsal import Rehearsal, RehearsedMigration
    from .runtime.backlog import Backlog
    from .runtime.search_path import SchemaNotFound
    from .seeding.files import create_seeder
    from .seeding.runner import SeedPlan, SeedResult, plan_seed, seed
    from .seeding.seeder import Seeder
    from .targets.default_schema import TenantIsTheAppsSchema
    from .targets.runs import BindFailed, RunSummary, TargetOutcome
    from .targets.tenants import Tenant, TenantsUnavailable, UnknownTenant
    from .testing.checks import run_checks
    from .testing.migrator import Migrator
    from .testing.results import CheckReport, CheckResult
    from .testing.throwaway import throwaway_database

#: Names loaded on first use: what only some commands need, kept off the startup path.
_LAZY = {
    "AdoptionRefused": ".adopt.live_schema",
    "AdoptPlan": ".adopt.adopt",
    "AutogeneratePlan": ".autogenerate.plan",
    "Backlog": ".runtime.backlog",
    "BaselineDiffers": ".adopt.adopt",
    "BindFailed": ".targets.runs",
    "CapturedStatement": ".preview.capture",
    "CheckReport": ".testing.results",
    "CheckResult": ".testing.results",
    "compare_models": ".autogenerate.compare",
    "create_seeder": ".seeding.files",
    "DatabaseLocked": ".errors.locked",
    "DatabaseObjects": ".fresh.objects",
    "Difference": ".autogenerate.difference",
    "fresh": ".fresh.run",
    "FreshFailed": ".fresh.run",
    "FreshPlan": ".fresh.run",
    "FreshResult": ".fresh.run",
    "Interrupted": ".errors.interrupted",
    "Migrator": ".testing.migrator",
    "ModelCheck": ".models.check",
    "OfflineScript": ".offline.script",
    "plan_fresh": ".fresh.run",
    "plan_seed": ".seeding.runner",
    "refresh": ".fresh.run",
    "RefreshResult": ".fresh.run",
    "Rehearsal": ".preview.rehearsal",
    "RehearsedMigration": ".preview.rehearsal",
    "RenameCandidate": ".autogenerate.renames",
    "run_checks": ".testing.checks",
    "RunSummary": ".targets.runs",
    "SchemaNotFound": ".runtime.search_path",
    "seed": ".seeding.runner",
    "Seeder": ".seeding.seeder",
    "SeedPlan": ".seeding.runner",
    "SeedResult": ".seeding.runner",
    "Signals": ".events",
    "signals": ".events",
    "SquashPartlyApplied": ".adopt.fold",
    "SquashPlan": ".adopt.squash",
    "StepNotStarted": ".errors.locked",
    "TargetOutcome": ".targets.runs",
    "Tenant": ".targets.tenants",
    "TenantIsTheAppsSchema": ".targets.default_schema",
    "TenantsUnavailable": ".targets.tenants",
    "throwaway_database": ".testing.throwaway",
    "Todo": ".autogenerate.todos",
    "UnknownTenant": ".targets.tenants",
    "UnrenderableMigration": ".offline.session",
    "wait_until_migrated": ".deploy.wait",
    "WaitResult": ".deploy.wait",
}

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "AdoptPlan",
    "AdoptionRefused",
    "AutogeneratePlan",
    "Backlog",
    "BaselineDiffers",
    "BatchModeRequired",
    "BindFailed",
    "BrokenMigrationFile",
    "BrokenSeederFile",
    "CapturedStatement",
    "CheckReport",
    "CheckResult",
    "ConfigurationError",
    "DatabaseLocked",
    "DatabaseNotMigrated",
    "DatabaseObjects",
    "DatabaseUnavailable",
    "Difference",
    "Direction",
    "FailedMigrationRecorded",
    "FailureLocation",
    "ForeignKeyViolation",
    "ForeignKeyViolations",
    "FreshFailed",
    "FreshPlan",
    "FreshResult",
    "Interrupted",
    "InvalidMigrationName",
    "LinterUnavailable",
    "LockFileUnavailable",
    "LockTimeout",
    "LockWait",
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
    "MigrationsPending",
    "Migrator",
    "MisnamedFile",
    "ModelCheck",
    "OfflineScript",
    "OutOfOrderMigrations",
    "PlannedStep",
    "Progress",
    "RefreshResult",
    "Rehearsal",
    "RehearsedMigration",
    "RenameCandidate",
    "RenamedMigrationFile",
    "RepairAction",
    "RepairKind",
    "RepairPlan",
    "RepairResult",
    "RollbackUnavailable",
    "RunNotCommitted",
    "RunSummary",
    "SchemaNotFound",
    "SchemaWaitTimeout",
    "SeedPlan",
    "SeedResult",
    "Seeder",
    "SeederFailed",
    "SeederNotCreated",
    "SeedersNotFound",
    "ShownState",
    "Signals",
    "SquashPartlyApplied",
    "SquashPlan",
    "Status",
    "StepNotStarted",
    "TargetOutcome",
    "Tenant",
    "TenantIsTheAppsSchema",
    "TenantsUnavailable",
    "ThrowawayDatabaseError",
    "Todo",
    "TrackingTableError",
    "TransactionEndedInStep",
    "UnknownTarget",
    "UnknownTenant",
    "UnrenderableMigration",
    "UnsupportedDatabase",
    "WaitResult",
    "alembic_op",
    "compare_models",
    "create_migration",
    "create_seeder",
    "fresh",
    "plan_fresh",
    "plan_seed",
    "refresh",
    "run_checks",
    "schema",
    "seed",
    "signals",
    "throwaway_database",
    "wait_until_migrated",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
