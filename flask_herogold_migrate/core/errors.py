"""Errors a user can cause or meet. Each carries a message fit to show as is, and its data
(the migrations, the step, the lock holder) as attributes for callers that act on them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .states import Direction


class MigrationError(Exception):
    """Base class of every error this package raises on purpose.

    Its message is one readable paragraph: the CLI prints it without a traceback.
    """


class InvalidMigrationName(MigrationError):
    """A name given to ``migrate:make`` is not a word of letters, digits and underscores."""


class MigrationsDirectoryNotFound(MigrationError):
    """The migrations directory does not exist."""


class UnknownTarget(MigrationError):
    """``--target`` names no pending migration, or names several."""

    def __init__(self, message: str, *, target: str = "", matches: tuple[str, ...] = ()):
        super().__init__(message)
        self.target = target
        #: For an ambiguous target: the migrations it matches.
        self.matches = matches


class BrokenMigrationFile(MigrationError):
    """A migration file fails to import or does not define exactly one migration class."""

    def __init__(self, message: str, *, path: Path | None = None):
        super().__init__(message)
        self.path = path


class MigrationFileMissing(MigrationError):
    """A rollback reached an applied migration whose file is gone; nothing was run."""

    def __init__(self, message: str, *, names: tuple[str, ...] = ()):
        super().__init__(message)
        self.names = names

    @classmethod
    def for_names(cls, names: list[str]) -> MigrationFileMissing:
        files, steps = (
            ("their files are", "their down()") if names[1:] else ("its file is", "its down()")
        )
        return cls(
            f"Cannot roll back {', '.join(names)}: {files} missing (deleted, renamed, or not on "
            f"this branch), so {steps} cannot run. Nothing was run. Bring the file back and run "
            "the rollback again; or, once the schema no longer has what it made (undo that by "
            "hand), forget the record with migrate:repair --forget-missing.",
            names=tuple(names),
        )


class RenamedMigrationFile(MigrationError):
    """A pending file has the content of an applied migration whose file is gone."""

    def __init__(self, message: str, *, renames: tuple[tuple[str, str], ...] = ()):
        super().__init__(message)
        #: ``(old, new)`` name of each renamed file.
        self.renames = renames

    @classmethod
    def for_pairs(cls, renames: list[tuple[str, str]]) -> RenamedMigrationFile:
        pairs = "; ".join(
            f"{new} has the content of {old}, which is applied and whose file is gone"
            for old, new in renames
        )
        return cls(
            f"{pairs}. Nothing was run: a renamed file would apply its change a second time. "
            "If it is a rename, record the new name with migrate:repair --rename-moved; if it "
            "is a new migration, give it content of its own.",
            renames=tuple(renames),
        )


class MigrationNamesCollide(MigrationError):
    """Two migration names differ only in case."""

    def __init__(self, message: str, *, pairs: tuple[tuple[str, str], ...] = ()):
        super().__init__(message)
        self.pairs = pairs

    @classmethod
    def for_pairs(cls, pairs: list[tuple[str, str]]) -> MigrationNamesCollide:
        named = "; ".join(f"{new} and {old}" for old, new in pairs)
        return cls(
            f"Migration names that differ only in case: {named}. On a case-insensitive file "
            "system (macOS, Windows) or collation they are one file or one row. Nothing was "
            "run. Rename the new one.",
            pairs=tuple(pairs),
        )


class OutOfOrderMigrations(MigrationError):
    """Pending files dated before the newest applied migration, refused by the setting."""

    def __init__(self, message: str, *, names: tuple[str, ...] = (), newest: str = ""):
        super().__init__(message)
        #: The pending migrations that sort before ``newest``, in run order.
        self.names = names
        #: The newest migration the tracking table has.
        self.newest = newest

    @classmethod
    def for_names(cls, names: tuple[str, ...], newest: str) -> OutOfOrderMigrations:
        subject = "is" if len(names) == 1 else "are"
        return cls(
            f"{', '.join(names)} {subject} dated before {newest}, the newest applied "
            "migration, and HEROGOLD_MIGRATE_OUT_OF_ORDER (--out-of-order) is error. Nothing "
            "was run. Give such a file a name dated after it (it then runs in the order its "
            "name says), or set the setting to warn or allow to apply it out of order.",
            names=names,
            newest=newest,
        )


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


class UnsupportedDatabase(ConfigurationError):
    """Auto-run was asked on a database with no migration lock of ours."""


class MigrationFileNotCreated(MigrationError):
    """``migrate:make`` could not write the new file; no existing file was changed."""


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


class BatchModeRequired(MigrationError):
    """A schema operation SQLite can only do by rebuilding the table, outside batch mode."""

    def __init__(self, message: str, *, table: str | None = None):
        super().__init__(message)
        self.table = table


@dataclass(frozen=True)
class ForeignKeyViolation:
    """A row whose foreign key points at no row of its parent table."""

    table: str
    rowid: int | None
    parent: str

    def describe(self) -> str:
        row = "a row without rowid" if self.rowid is None else f"row {self.rowid}"
        return f"{self.table} {row} references a missing {self.parent} row"


class ForeignKeyViolations(MigrationError):
    """A step on SQLite left rows whose foreign keys point nowhere; it was not committed."""

    def __init__(self, violations: tuple[ForeignKeyViolation, ...]):
        #: Each row left pointing at nothing, as ``PRAGMA foreign_key_check`` lists it.
        self.violations = violations
        shown = "; ".join(v.describe() for v in violations[:_SHOWN_VIOLATIONS])
        more = len(violations) - _SHOWN_VIOLATIONS
        super().__init__(
            f"PRAGMA foreign_key_check found {len(violations)} broken reference"
            f"{'s' if len(violations) != 1 else ''}: {shown}"
            + (f"; and {more} more" if more > 0 else "")
            + ". Foreign keys are off while a migration runs on SQLite, so that rebuilding a "
            "table keeps the rows that reference it, and ON DELETE actions do not run: change "
            "or delete the referencing rows in the migration itself."
        )


_SHOWN_VIOLATIONS = 10


class ThrowawayDatabaseError(MigrationError):
    """A throwaway database for testing migrations could not be made or dropped."""
