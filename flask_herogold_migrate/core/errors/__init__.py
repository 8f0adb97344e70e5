"""Errors a user can cause or meet. Each carries a message fit to show as is, and its data
(the migrations, the step, the lock holder) as attributes for callers that act on them.

This module holds the errors of running migrations and of their surroundings (the database,
the lock, the configuration), and gives every other error of the package too: those of files
(:mod:`.file_errors`) and of schema operations (:mod:`.schema_errors`)."""

from __future__ import annotations

from dataclasses import dataclass

from ..states import Direction
from .base import MigrationError
from .files import (
    BrokenMigrationFile,
    InvalidMigrationName,
    MigrationFileMissing,
    MigrationFileNotCreated,
    MigrationNamesCollide,
    MigrationsDirectoryNotFound,
    OutOfOrderMigrations,
    RenamedMigrationFile,
    UnknownTarget,
)
from .schema import (
    BatchModeRequired,
    ForeignKeyViolation,
    ForeignKeyViolations,
)

__all__ = [
    "BatchModeRequired",
    "BrokenMigrationFile",
    "ConfigurationError",
    "DatabaseNotMigrated",
    "DatabaseUnavailable",
    "FailedMigrationRecorded",
    "FailureLocation",
    "ForeignKeyViolation",
    "ForeignKeyViolations",
    "InvalidMigrationName",
    "LinterUnavailable",
    "LockFileUnavailable",
    "LockTimeout",
    "LockWait",
    "MigrationError",
    "MigrationFailed",
    "MigrationFileMissing",
    "MigrationFileNotCreated",
    "MigrationNamesCollide",
    "MigrationsDirectoryNotFound",
    "OutOfOrderMigrations",
    "RenamedMigrationFile",
    "RollbackUnavailable",
    "RunNotCommitted",
    "ThrowawayDatabaseError",
    "TrackingTableError",
    "TransactionEndedInStep",
    "UnknownTarget",
    "UnsupportedDatabase",
    "describe_error",
]


class RollbackUnavailable(MigrationError):
    """A migration called ``session.rollback()`` where nothing can be rolled back to."""


@dataclass(frozen=True)
class FailureLocation:
    """Where in its own file a migration's step failed: the innermost line of that file."""

    path: str
    line: int
    function: str

    def describe(self) -> str:
        return f"{self.path}, line {self.line}, in {self.function}()"


@dataclass(frozen=True)
class LockWait:
    """A statement of a failed step gave up waiting for a lock that other sessions held."""

    #: The statement lock timeout the step ran with (None: the database's own limit).
    timeout: float | None
    #: The sessions that held the lock, as the database describes them (PostgreSQL only).
    blockers: tuple[str, ...]
    #: How many times the step was tried.
    attempts: int = 1

    def describe(self) -> str:
        waited = (
            f" (HEROGOLD_MIGRATE_STATEMENT_LOCK_TIMEOUT is {self.timeout:g} s)"
            if self.timeout
            else ""
        )
        held = f": it was held by {'; '.join(self.blockers)}" if self.blockers else ""
        tries = f" The step was tried {self.attempts} times." if self.attempts > 1 else ""
        return (
            f"A lock was not obtained in time{waited}{held}.{tries} Run it again when the "
            "sessions holding the table are done, or let it retry on its own "
            "(HEROGOLD_MIGRATE_STATEMENT_LOCK_RETRIES)."
        )


class MigrationFailed(MigrationError):
    """A migration's ``up()`` or ``down()`` raised; what it did was rolled back where possible."""

    def __init__(
        self,
        name: str,
        direction: Direction,
        error: BaseException,
        *,
        recorded_failed: bool,
        whole_run: bool = False,
        because: str | None = None,
        unrecorded: BaseException | None = None,
        location: FailureLocation | None = None,
        needs_no_transaction: bool = False,
        lock_wait: LockWait | None = None,
    ):
        self.name = name
        self.direction = direction
        self.error = error
        self.recorded_failed = recorded_failed
        self.whole_run = whole_run
        #: The line of the migration file where the step failed, when the traceback has one.
        self.location = location
        #: Set when the step failed because a lock was not obtained in time.
        self.lock_wait = lock_wait
        if whole_run:
            outcome = (
                "The run's single transaction was rolled back: the database, tracking table "
                "included, is as it was before the run."
            )
        elif unrecorded is not None:
            committed = f"Part of it had already committed ({because}). " if because else ""
            outcome = (
                f"{committed}Its record could not be updated afterwards "
                f"({describe_error(unrecorded)}), so it is left as running, which the next run "
                "reports as failed. " + _repair_advice(direction)
            )
        elif recorded_failed:
            outcome = (
                f"Part of it had already committed ({because}), so it is recorded as failed. "
                + _repair_advice(direction)
            )
        else:
            outcome = "Its changes were rolled back."
        where = f" It failed at {location.describe()}." if location else ""
        way_out = (
            " The database refuses to run this statement inside a transaction: set "
            "transactional = False on this migration (see Writing migrations)."
            if needs_no_transaction
            else ""
        )
        if lock_wait is not None:
            way_out += f" {lock_wait.describe()}"
        super().__init__(
            f"Migration {name} failed in {direction}(): {describe_error(error)}. "
            f"{outcome}{where}{way_out}"
        )


def describe_error(error: BaseException) -> str:
    """One line for what went wrong: a database error without SQLAlchemy's trailing lines.

    The statement that failed is kept, shortened, as Laravel shows it: a migration runs many.
    """
    lines = str(error).strip().splitlines()
    detail = lines[0].rstrip(".") if lines else ""
    statement = getattr(error, "statement", None)
    if isinstance(statement, str) and statement.strip():
        sql = " ".join(statement.split())
        detail += f" (SQL: {sql if len(sql) <= 160 else sql[:157] + '...'})"
    return f"{type(error).__name__}: {detail}" if detail else type(error).__name__


class TransactionEndedInStep(MigrationError):
    """A migration sent COMMIT (or ROLLBACK) as SQL inside its step's transaction."""

    def __init__(self, message: str, *, committed: bool = False) -> None:
        super().__init__(message)
        #: Whether the transaction had ended already (not refused), so may have committed.
        self.committed = committed


class RunNotCommitted(MigrationError):
    """A single-transaction run failed at its commit; nothing of it was kept."""

    def __init__(self, error: BaseException):
        self.error = error
        detail = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        super().__init__(
            f"The run's single transaction failed to commit: {detail}. Every migration of the "
            "run had succeeded, but the database refused the commit (a deferred constraint, "
            "say), so it is as it was before the run, tracking table included."
        )


class FailedMigrationRecorded(MigrationError):
    """A failed migration is recorded; nothing runs until it is repaired."""

    def __init__(self, message: str, *, stuck: tuple[tuple[str, Direction], ...] = ()):
        super().__init__(message)
        #: ``(name, "up" or "down")`` of each migration recorded as failed.
        self.stuck = stuck

    @classmethod
    def for_steps(cls, stuck: list[tuple[str, Direction]]) -> FailedMigrationRecorded:
        """For the ``(name, "up" or "down")`` of each step recorded as failed."""
        return cls(
            " ".join(_how_to_repair(name, direction) for name, direction in stuck)
            + " Nothing was run: the schema may be half-changed, as the statements that had "
            "committed stay (DDL on MySQL/MariaDB commits on its own, as does every statement "
            "of a migration with transactional = False).",
            stuck=tuple(stuck),
        )


def _how_to_repair(name: str, direction: Direction) -> str:
    return (
        f"Migration {name} stopped part-way through {direction}() and is recorded as failed. "
        + _repair_advice(direction)
    )


def _repair_advice(direction: Direction) -> str:
    after = (
        "the migration is recorded as applied again"
        if direction == "down"
        else "its record is removed and it runs again with the next migrate"
    )
    return (
        f"Put the schema back by hand as it was before {direction}() ran, then run "
        f"migrate:repair: {after}."
    )


class TrackingTableError(MigrationError):
    """The tracking table exists with a shape this package does not know."""


class LockTimeout(MigrationError):
    """Another process held the migration lock for longer than the lock timeout."""

    def __init__(self, message: str, *, timeout: float = 0.0, holder: str | None = None):
        super().__init__(message)
        self.timeout = timeout
        #: Who holds the lock, as the database tells it (None if it cannot say).
        self.holder = holder


class DatabaseUnavailable(MigrationError):
    """The database could not be reached."""


class ConfigurationError(MigrationError):
    """The manager was not given what it needs (an engine, a valid setting)."""


#: The databases this package has a migration lock and a dialect module for.
SUPPORTED_DATABASES = "SQLite, PostgreSQL, MySQL and MariaDB"


class UnsupportedDatabase(ConfigurationError):
    """Auto-run was asked on a database with no migration lock of ours."""

    @classmethod
    def for_auto_run(cls, dialect: str) -> UnsupportedDatabase:
        return cls(
            f"Auto-run refuses to migrate a {dialect} database: many workers start at once, "
            "and only a migration lock keeps them from applying a migration twice; "
            f"flask-herogold-migrate has one for {SUPPORTED_DATABASES}. Run flask migrate "
            "once per deploy instead, and set HEROGOLD_MIGRATE_AUTO off."
        )


class DatabaseNotMigrated(MigrationError):
    """The models cannot be compared with a database some migrations have not reached."""

    def __init__(self, message: str, *, pending: tuple[str, ...], failed: tuple[str, ...]):
        super().__init__(message)
        #: The migrations not applied yet, and those recorded as failed (or still running).
        self.pending = pending
        self.failed = failed


class LockFileUnavailable(MigrationError):
    """The SQLite migration lock file beside the database cannot be opened."""


class LinterUnavailable(MigrationError):
    """``migrate:lint`` needs a linter that is not installed, or that could not run."""


class ThrowawayDatabaseError(MigrationError):
    """A throwaway database for testing migrations could not be made or dropped."""
