"""The framework-neutral migration engine: nothing under this package imports Flask.

This module is the core's facade: every name the documentation shows is importable from here
(or from :mod:`flask_herogold_migrate`), wherever it lives inside. What a run always needs is
imported at once; the rest (previews, autogenerate, migration tests, tenants) on first use, so
the startup check loads none of it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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
from .files.create import create_migration
from .manager import MigrationManager
from .migration import Migration
from .operations import alembic_op, schema
from .progress import Progress
from .runtime.lock import DEFAULT_LOCK_TIMEOUT
from .runtime.plan import MigrationPlan, PlannedStep
from .runtime.repair import RepairAction, RepairKind, RepairPlan, RepairResult
from .runtime.status import MigrationStatus, MisnamedFile, Status
from .runtime.wait import SchemaWaitTimeout
from .states import Direction, ShownState

if TYPE_CHECKING:
    from .adopt.adopt import AdoptPlan, BaselineDiffers
    from .adopt.live_schema import AdoptionRefused
    from .adopt.squash import SquashPlan
    from .autogenerate.compare import compare_models
    from .autogenerate.difference import Difference
    from .autogenerate.model_check import ModelCheck
    from .autogenerate.plan import AutogeneratePlan
    from .autogenerate.renames import RenameCandidate
    from .autogenerate.todos import Todo
    from .preview.capture import CapturedStatement
    from .preview.rehearsal import Rehearsal, RehearsedMigration
    from .runtime.search_path import SchemaNotFound
    from .runtime.squashed import SquashPartlyApplied
    from .runtime.wait import Outstanding, WaitResult, wait_until_migrated
    from .targets.runs import BindFailed, RunSummary, TargetOutcome
    from .targets.tenants import Tenant, TenantsUnavailable, UnknownTenant
    from .testing.checks import run_checks
    from .testing.migrator import Migrator
    from .testing.results import CheckReport, CheckResult
    from .testing.throwaway import throwaway_database

#: Names loaded on first use: what only some commands need, kept off the startup path.
_LAZY = {
    "AdoptPlan": ".adopt.adopt",
    "AdoptionRefused": ".adopt.live_schema",
    "BaselineDiffers": ".adopt.adopt",
    "SquashPartlyApplied": ".runtime.squashed",
    "SquashPlan": ".adopt.squash",
    "AutogeneratePlan": ".autogenerate.plan",
    "BindFailed": ".targets.runs",
    "CapturedStatement": ".preview.capture",
    "CheckReport": ".testing.results",
    "CheckResult": ".testing.results",
    "Difference": ".autogenerate.difference",
    "Migrator": ".testing.migrator",
    "ModelCheck": ".autogenerate.model_check",
    "Outstanding": ".runtime.wait",
    "Rehearsal": ".preview.rehearsal",
    "RehearsedMigration": ".preview.rehearsal",
    "RenameCandidate": ".autogenerate.renames",
    "RunSummary": ".targets.runs",
    "SchemaNotFound": ".runtime.search_path",
    "TargetOutcome": ".targets.runs",
    "Tenant": ".targets.tenants",
    "TenantsUnavailable": ".targets.tenants",
    "Todo": ".autogenerate.todos",
    "UnknownTenant": ".targets.tenants",
    "WaitResult": ".runtime.wait",
    "compare_models": ".autogenerate.compare",
    "run_checks": ".testing.checks",
    "throwaway_database": ".testing.throwaway",
    "wait_until_migrated": ".runtime.wait",
}

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "AdoptPlan",
    "AdoptionRefused",
    "AutogeneratePlan",
    "BaselineDiffers",
    "BatchModeRequired",
    "BindFailed",
    "BrokenMigrationFile",
    "CapturedStatement",
    "CheckReport",
    "CheckResult",
    "ConfigurationError",
    "DatabaseNotMigrated",
    "DatabaseUnavailable",
    "Difference",
    "Direction",
    "FailedMigrationRecorded",
    "FailureLocation",
    "ForeignKeyViolation",
    "ForeignKeyViolations",
    "InvalidMigrationName",
    "LinterUnavailable",
    "LockFileUnavailable",
    "LockTimeout",
    "LockWait",
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
    "Migrator",
    "MisnamedFile",
    "ModelCheck",
    "OutOfOrderMigrations",
    "Outstanding",
    "PlannedStep",
    "Progress",
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
    "ShownState",
    "SquashPartlyApplied",
    "SquashPlan",
    "Status",
    "TargetOutcome",
    "Tenant",
    "TenantsUnavailable",
    "ThrowawayDatabaseError",
    "Todo",
    "TrackingTableError",
    "TransactionEndedInStep",
    "UnknownTarget",
    "UnknownTenant",
    "UnsupportedDatabase",
    "WaitResult",
    "alembic_op",
    "compare_models",
    "create_migration",
    "run_checks",
    "schema",
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
