"""Finding migration files on disk: names only, no import, so it stays cheap for thousands.

The startup check runs in every worker at every start, so the cheapest question is kept
separate: :func:`list_stems` is one ``listdir``, and only names the database does not know
yet are parsed (see ``MigrationManager.run_migrations``).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..errors import MigrationsDirectoryNotFound, UnknownTarget
from .naming import MigrationName, parse_stem, why_not_a_migration


class MigrationFile:
    """A migration file found on disk: its name (the stem), where it is, and its order."""

    __slots__ = ("_checksum", "_path", "directory", "name", "parsed")

    def __init__(self, directory: Path, parsed: MigrationName) -> None:
        self.directory = directory
        self.name = parsed.stem
        self.parsed = parsed
        self._path: Path | None = None
        self._checksum: str | None = None

    @property
    def path(self) -> Path:
        if self._path is None:  # on first use: the startup check makes thousands, uses none
            self._path = self.directory / f"{self.name}.py"
        return self._path

    def checksum(self) -> str:
        """SHA-256 of the file; once loaded, of the very bytes that were loaded."""
        if self._checksum is None:
            self._checksum = source_checksum(self.path.read_bytes())
        return self._checksum

    def remember_source(self, source: bytes) -> None:
        """Record the bytes the loader ran, so the stored checksum is of the code that ran."""
        self._checksum = source_checksum(source)

    def __repr__(self) -> str:
        return f"MigrationFile({self.name!r})"


def list_stems(directory: Path) -> list[str]:
    """The stems of the ``.py`` files in ``directory``, unparsed and unordered."""
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        raise MigrationsDirectoryNotFound(
            f"The migrations directory {directory} does not exist. "
            "Create a first migration with migrate:make NAME, or point --dir at the right place."
        ) from None
    except NotADirectoryError:
        raise MigrationsDirectoryNotFound(f"{directory} is not a directory.") from None
    return [name[:-3] for name in names if name.endswith(".py")]


def discover(directory: Path, stems: list[str] | None = None) -> list[MigrationFile]:
    """Every migration file in ``directory`` (or among ``stems`` already listed), in run order.

    Files whose names do not follow ``YYYYMMDD[_NN]_description.py`` (helpers, ``__init__.py``)
    are not migrations and are left alone.
    """
    if stems is None:
        stems = list_stems(directory)
    found = [MigrationFile(directory, parsed) for parsed in map(parse_stem, stems) if parsed]
    found.sort(key=lambda f: f.parsed.sort_key)
    return found


def source_checksum(source: bytes) -> str:
    """SHA-256 with line endings normalised, so a CRLF checkout is not 'modified'."""
    return hashlib.sha256(source.replace(b"\r\n", b"\n")).hexdigest()


def find_target(files: list[MigrationFile], target: str) -> MigrationFile:
    """The file ``target`` names: a full stem, or a description that only one file has.

    A file name or path (``migrations/20260301_x.py``, as a shell completes it) names its stem.
    """
    if target.endswith(".py"):
        target = Path(target).stem
    for file in files:
        if file.name == target:
            return file
    by_description = [f for f in files if f.parsed.description == target]
    if len(by_description) == 1:
        return by_description[0]
    if by_description:
        names = ", ".join(f.name for f in by_description)
        raise UnknownTarget(
            f"Target {target!r} is ambiguous: it matches {names}. Give the full name."
        )
    raise UnknownTarget(f"Unknown target {target!r}: no migration file has that name.")


def misnamed(stems: list[str]) -> list[tuple[str, str]]:
    """Files meant as migrations, by the digit they start with, whose names are not valid,
    with the reason for each."""
    found = [(stem, why_not_a_migration(stem)) for stem in stems]
    return sorted((stem, reason) for stem, reason in found if reason)
