"""How migration files are named, and the order that follows from their names.

A file is ``YYYYMMDD_description.py``; the second file of a day is ``YYYYMMDD_02_description.py``.
A description starts with a letter, so a two-digit sequence can never be mistaken for one.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from typing import NamedTuple

from ..errors import InvalidMigrationName

# Matched with fullmatch(), never match() and $: $ also accepts a trailing newline.
_STEM = re.compile(r"(?P<date>\d{8})(?:_(?P<seq>\d{2,4}))?_(?P<description>[A-Za-z][A-Za-z0-9_]*)")
_DATE_PREFIX = re.compile(r"^\d{8}(?=_)")
_NEW_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
MAX_NAME_LENGTH = 200  # the tracking table's name column holds 255


class MigrationName(NamedTuple):
    """A migration file stem split into the parts that order it."""

    date: str
    sequence: int
    description: str
    stem: str

    @property
    def sort_key(self) -> tuple[str, int, str]:
        # A file without a sequence is the first of its day.
        return (self.date, self.sequence, self.description)


@cache  # a process that runs many times (migrate:test, tenants) parses the same names again
def parse_stem(stem: str) -> MigrationName | None:
    """Split ``stem`` into date, sequence and description, or return None if it is no migration."""
    match = _STEM.fullmatch(stem)
    if match is None or not _is_real_date(match["date"]):
        return None
    sequence = int(match["seq"]) if match["seq"] else 1
    return MigrationName(match["date"], sequence, match["description"], stem)


def why_not_a_migration(stem: str) -> str | None:
    """Why a file that looks meant as a migration (its name starts with a digit) is not one.

    None for a migration, and for a file that is plainly something else (``helpers.py``).
    """
    if not stem[:1].isdigit() or parse_stem(stem) is not None:
        return None
    if not stem.isprintable():
        unprintable = next(c for c in stem if not c.isprintable())
        return f"it contains the unprintable character {unprintable!r}"
    if not _DATE_PREFIX.match(stem):
        return "its name does not start with a date as YYYYMMDD followed by _"
    if not _is_real_date(stem[:8]):
        return f"{stem[:8]} is not a date"
    return (
        "after the date comes _name or _NN_name (NN: two to four digits), the name starting with "
        "a letter and made of letters, digits and underscores"
    )


def sort_key(stem: str) -> tuple[str, int, str]:
    """Run-order key of any stem; names that do not parse (rows of deleted files) sort by text."""
    parsed = parse_stem(stem)
    return parsed.sort_key if parsed else (stem[:8], 1, stem)


def normalize_new_name(name: str) -> str:
    """Check a name given to ``migrate:make`` and turn CamelCase into snake_case."""
    if not _NEW_NAME.fullmatch(name or ""):
        raise InvalidMigrationName(
            f"Invalid migration name {name!r}: use letters, digits and underscores, "
            "starting with a letter (for example create_users_table)."
        )
    snake = _CAMEL_BOUNDARY.sub("_", name).lower()
    snake = re.sub(r"_+", "_", snake).strip("_")
    if len(snake) > MAX_NAME_LENGTH:
        raise InvalidMigrationName(
            f"Invalid migration name: {len(snake)} characters, at most {MAX_NAME_LENGTH} allowed."
        )
    return snake


def class_name(description: str) -> str:
    """PascalCase class name for a snake_case description."""
    return "".join(part[:1].upper() + part[1:] for part in description.split("_") if part)


def next_stem(description: str, day: date, existing_stems: list[str]) -> str:
    """The stem of a new migration made on ``day``, after the files already on disk."""
    prefix = day.strftime("%Y%m%d")
    same_day = [p.sequence for p in map(parse_stem, existing_stems) if p and p.date == prefix]
    if not same_day:
        return f"{prefix}_{description}"
    return f"{prefix}_{max(same_day) + 1:02d}_{description}"


def _is_real_date(text: str) -> bool:
    # date() rather than strptime(): this runs for every file at every startup check.
    try:
        date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return False
    return True
