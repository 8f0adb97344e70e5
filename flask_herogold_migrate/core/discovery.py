"""Finding migration files on disk: names only, no import, so it stays cheap for thousands.

The startup check runs in every worker at every start, so the cheapest question is kept
separate: :func:`list_stems` is one ``listdir``, and only names the database does not know
yet are parsed (see ``MigrationManager.run_migrations``).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .errors import MigrationsDirectoryNotFound, UnknownTarget
from .naming import MigrationName, parse_stem


class MigrationFile:
    """A migration file found on disk: its name (the stem), where it is, and its order."""

    __slots__ = ("directory", "name", "parsed")

    def __init__(self, directory: Path, parsed: MigrationName) -> None:
        self.directory = directory
        self.name = parsed.stem
        self.parsed = parsed

    @property
    def path(self) -> Path:
        return self.directory / f"{self.name}.py"

    def checksum(self) -> str:
        return file_checksum(self.path)

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


def file_checksum(path: Path) -> str:
    """SHA-256 of the file with line endings normalised, so a CRLF checkout is not 'modified'."""
    return hashlib.sha256(path.read_bytes().replace(b"\r\n", b"\n")).hexdigest()


def find_target(files: list[MigrationFile], target: str) -> MigrationFile:
    """The file ``target`` names: a full stem, or a description that only one file has."""
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
