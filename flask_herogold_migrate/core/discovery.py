"""Finding migration files on disk: names only, no import, so it stays cheap for thousands."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from .errors import MigrationsDirectoryNotFound, UnknownTarget
from .naming import MigrationName, parse_stem


@dataclass(frozen=True)
class MigrationFile:
    """A migration file found on disk."""

    name: str
    path: Path
    parsed: MigrationName

    def checksum(self) -> str:
        return file_checksum(self.path)


def discover(directory: Path) -> list[MigrationFile]:
    """Every migration file in ``directory``, in run order.

    Files whose names do not follow ``YYYYMMDD[_NN]_description.py`` (helpers, ``__init__.py``)
    are not migrations and are left alone.
    """
    try:
        entries = os.scandir(directory)
    except FileNotFoundError:
        raise MigrationsDirectoryNotFound(
            f"The migrations directory {directory} does not exist. "
            "Create a first migration with migrate:make NAME, or point --dir at the right place."
        ) from None
    except NotADirectoryError:
        raise MigrationsDirectoryNotFound(f"{directory} is not a directory.") from None
    found = []
    with entries:
        for entry in entries:
            stem, ext = os.path.splitext(entry.name)
            if ext != ".py":
                continue
            parsed = parse_stem(stem)
            if parsed is not None:
                found.append(MigrationFile(stem, Path(entry.path), parsed))
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
