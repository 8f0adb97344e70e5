"""Errors of migration files: their names, their loading, what they hold."""

from __future__ import annotations

from pathlib import Path

from .base import MigrationError


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
    def for_pairs(
        cls, renames: list[tuple[str, str]], edited: dict[str, str | None] | None = None
    ) -> RenamedMigrationFile:
        """``edited``: for a pending file whose content differs from the applied one's, what
        the two share instead."""
        pairs = "; ".join(
            f"{new} has {shared} {old}, which is applied and whose file is gone"
            for old, new in renames
            for shared in [_shared((edited or {}).get(new))]
        )
        return cls(
            f"{pairs}. Nothing was run: a renamed file would apply its change a second time. "
            "If it is a rename, record the new name with migrate:repair --rename-moved; if it "
            "is a new migration, give it a name, class and content of its own.",
            renames=tuple(renames),
        )


def _shared(edited_because: str | None) -> str:
    return f"{edited_because} as" if edited_because else "the content of"


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


class MigrationFileNotCreated(MigrationError):
    """``migrate:make`` could not write the new file; no existing file was changed."""
