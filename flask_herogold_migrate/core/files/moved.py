"""Pending files that are applied migrations moved: run, they would apply a change twice.

An applied migration whose file is gone, and a pending file that is the same file renamed:
found by content when only the name changed, and by name or class when the file was also
edited (a renamed and edited file would otherwise run again over its own changes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..states import APPLIED, Record
from .discovery import MigrationFile
from .naming import class_name, parse_stem

_CLASS = re.compile(r"^class\s+([A-Za-z_]\w*)\s*[(:]", re.MULTILINE)


@dataclass(frozen=True)
class MovedFile:
    """``new``, a pending file, is taken for ``old``, an applied migration without its file."""

    old: str
    new: str
    #: Why, when the content differs: what the two names share. None: the same content.
    edited_because: str | None = None


def find_moved(files: list[MigrationFile], records: list[Record]) -> list[MovedFile]:
    """Each pending file that is an applied migration, whose file is gone, renamed.

    Only pending files are read, and only when some applied migration has no file.
    """
    names = {file.name for file in files}
    gone = [r for r in records if r.state == APPLIED and r.name not in names]
    if not gone:
        return []
    recorded = {r.name for r in records}
    pending = [file for file in files if file.name not in recorded]
    by_checksum = {r.checksum: r.name for r in gone if r.checksum}
    moved = []
    for file in pending:
        old = by_checksum.pop(file.checksum(), None)
        if old is not None:  # one applied migration explains one file
            moved.append(MovedFile(old, file.name))
    explained = {m.old for m in moved} | {m.new for m in moved}
    for record in gone:
        if record.name in explained:
            continue
        for file in pending:
            if file.name in explained:
                continue
            because = _alike(record.name, file)
            if because is not None:
                moved.append(MovedFile(record.name, file.name, because))
                explained |= {record.name, file.name}
                break
    return moved


def _alike(old: str, file: MigrationFile) -> str | None:
    parsed = parse_stem(old)
    if parsed is None:
        return None
    new = file.parsed
    if (parsed.date, parsed.description) == (new.date, new.description):
        return "the same date and description"
    expected = class_name(parsed.description)
    try:
        classes = _CLASS.findall(file.path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None
    return f"the same class name, {expected}" if expected in classes else None
