"""Laravel-style database migrations for Flask and SQLModel.

The package's facade: what an application uses, and every error it can meet, is importable
from here; the rest of the documented API from :mod:`flask_herogold_migrate.core`. Modules
deeper than those two are internal and move freely.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .core import (
        AdoptionRefused,
        BaselineDiffers,
        BatchModeRequired,
        BindFailed,
        BrokenMigrationFile,
        BrokenSeederFile,
        ConfigurationError,
        DatabaseLocked,
        DatabaseNotMigrated,
        DatabaseUnavailable,
        FailedMigrationRecorded,
        ForeignKeyViolations,
        FreshFailed,
        Interrupted,
        InvalidMigrationName,
        LinterUnavailable,
        LockFileUnavailable,
        LockTimeout,
        Migration,
        MigrationError,
        MigrationFailed,
        MigrationFileMissing,
        MigrationFileNotCreated,
        MigrationManager,
        MigrationNamesCollide,
        MigrationsDirectoryNotFound,
        MigrationsPending,
        OutOfOrderMigrations,
        RenamedMigrationFile,
        RollbackUnavailable,
        RunNotCommitted,
        SchemaNotFound,
        SchemaWaitTimeout,
        Seeder,
        SeederFailed,
        SeederNotCreated,
        SeedersNotFound,
        SquashPartlyApplied,
        StepNotStarted,
        TenantIsTheAppsSchema,
        TenantsUnavailable,
        ThrowawayDatabaseError,
        TrackingTableError,
        TransactionEndedInStep,
        UnknownTarget,
        UnknownTenant,
        UnrenderableMigration,
        UnsupportedDatabase,
        alembic_op,
        create_migration,
        schema,
        signals,
    )
    from .extension import HerogoldMigrate

__version__ = "0.1.0"

# Each public name is imported on first use. Importing the package itself stays free, which
# the pytest plugin (flask_herogold_migrate.pytest_plugin) needs: pytest loads it in every
# run of every project that has this package installed, before collecting anything. The
# extension (and Flask with it) loads only when asked for, so the core and the standalone
# commands work, and start faster, without Flask.
__all__ = [
    "AdoptionRefused",
    "BaselineDiffers",
    "BatchModeRequired",
    "BindFailed",
    "BrokenMigrationFile",
    "BrokenSeederFile",
    "ConfigurationError",
    "DatabaseLocked",
    "DatabaseNotMigrated",
    "DatabaseUnavailable",
    "FailedMigrationRecorded",
    "ForeignKeyViolations",
    "FreshFailed",
    "HerogoldMigrate",
    "Interrupted",
    "InvalidMigrationName",
    "LinterUnavailable",
    "LockFileUnavailable",
    "LockTimeout",
    "Migration",
    "MigrationError",
    "MigrationFailed",
    "MigrationFileMissing",
    "MigrationFileNotCreated",
    "MigrationManager",
    "MigrationNamesCollide",
    "MigrationsDirectoryNotFound",
    "MigrationsPending",
    "OutOfOrderMigrations",
    "RenamedMigrationFile",
    "RollbackUnavailable",
    "RunNotCommitted",
    "SchemaNotFound",
    "SchemaWaitTimeout",
    "Seeder",
    "SeederFailed",
    "SeederNotCreated",
    "SeedersNotFound",
    "SquashPartlyApplied",
    "StepNotStarted",
    "TenantIsTheAppsSchema",
    "TenantsUnavailable",
    "ThrowawayDatabaseError",
    "TrackingTableError",
    "TransactionEndedInStep",
    "UnknownTarget",
    "UnknownTenant",
    "UnrenderableMigration",
    "UnsupportedDatabase",
    "alembic_op",
    "create_migration",
    "schema",
    "signals",
]
_PUBLIC = {name: ".core" for name in __all__} | {"HerogoldMigrate": ".extension"}


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
