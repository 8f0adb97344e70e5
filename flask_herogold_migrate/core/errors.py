"""Errors a user can cause or meet. Each carries a message fit to show as is."""

from __future__ import annotations


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


class BrokenMigrationFile(MigrationError):
    """A migration file fails to import or does not define exactly one migration class."""


class MigrationFileMissing(MigrationError):
    """A rollback reached an applied migration whose file is gone; nothing was run."""

    @classmethod
    def for_names(cls, names: list[str]) -> MigrationFileMissing:
        files, steps = (
            ("their files are", "their down()") if names[1:] else ("its file is", "its down()")
        )
        return cls(
            f"Cannot roll back {', '.join(names)}: {files} missing (deleted, renamed, or not on "
            f"this branch), so {steps} cannot run. Nothing was run. Bring the file back and run "
            "the rollback again; or, once the schema no longer has what it made (undo that by "
            "hand), forget the record with migrate:repair --forget-missing."
        )


class RollbackUnavailable(MigrationError):
    """A migration called ``session.rollback()`` where nothing can be rolled back to."""


class MigrationFailed(MigrationError):
    """A migration's ``up()`` or ``down()`` raised; what it did was rolled back where possible."""

    def __init__(
        self,
        name: str,
        direction: str,
        error: BaseException,
        *,
        recorded_failed: bool,
        whole_run: bool = False,
        because: str | None = None,
        unrecorded: BaseException | None = None,
    ):
        self.name = name
        self.direction = direction
        self.error = error
        self.recorded_failed = recorded_failed
        self.whole_run = whole_run
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
        super().__init__(
            f"Migration {name} failed in {direction}(): {describe_error(error)}. {outcome}"
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

    @classmethod
    def for_steps(cls, stuck: list[tuple[str, str]]) -> FailedMigrationRecorded:
        """For the ``(name, "up" or "down")`` of each step recorded as failed."""
        return cls(
            " ".join(_how_to_repair(name, direction) for name, direction in stuck)
            + " Nothing was run: the schema may be half-changed, as the statements that had "
            "committed stay (DDL on MySQL/MariaDB commits on its own, as does every statement "
            "of a migration with transactional = False)."
        )


def _how_to_repair(name: str, direction: str) -> str:
    return (
        f"Migration {name} stopped part-way through {direction}() and is recorded as failed. "
        + _repair_advice(direction)
    )


def _repair_advice(direction: str) -> str:
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


class DatabaseUnavailable(MigrationError):
    """The database could not be reached."""


class ConfigurationError(MigrationError):
    """The manager was not given what it needs (an engine, a valid setting)."""


class MigrationFileNotCreated(MigrationError):
    """``migrate:make`` could not write the new file; no existing file was changed."""


class LockFileUnavailable(MigrationError):
    """The SQLite migration lock file beside the database cannot be opened."""
