"""What ``migrate:status`` reports: every file and every record, matched by name."""

from __future__ import annotations

from typing import Any

from .discovery import MigrationFile
from .naming import sort_key
from .tracking import APPLIED, FAILED, RUNNING, Record

PENDING = "pending"
MISSING = "missing"


def build_status(
    files: list[MigrationFile], records: list[Record], misnamed: list[tuple[str, str]]
) -> dict[str, Any]:
    """The report :meth:`MigrationManager.status` returns, from file names and the records.

    Only the files of applied records are read, for their checksums; none is imported.
    """
    by_name = {record.name: record for record in records}
    entries = []
    for file in files:
        record = by_name.pop(file.name, None)
        modified = bool(record and record.checksum and record.checksum != file.checksum())
        entries.append(_entry(file.name, record, modified))
    entries += [_entry(r.name, r, False, has_file=False) for r in by_name.values()]
    entries.sort(key=lambda e: sort_key(e["name"]))
    result: dict[str, Any] = {"migrations": entries}
    for state in (APPLIED, PENDING, MISSING, FAILED, RUNNING):
        result[state] = [e["name"] for e in entries if e["state"] == state]
    result["modified"] = [e["name"] for e in entries if e["modified"]]
    result["misnamed"] = [{"name": name, "reason": reason} for name, reason in misnamed]
    return result


def _entry(
    name: str, record: Record | None, modified: bool, has_file: bool = True
) -> dict[str, Any]:
    if record is None:
        return {
            "name": name,
            "state": PENDING,
            "batch": None,
            "applied_at": None,
            "modified": False,
            "step": None,
        }
    state = MISSING if not has_file and record.state == APPLIED else record.shown_state
    return {
        "name": name,
        "state": state,
        "batch": record.batch,
        "applied_at": record.applied_at.isoformat(),
        "modified": modified,
        "step": record.direction,
    }
