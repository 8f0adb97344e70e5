"""What ``migrate:status`` reports: every file and every record, matched by name."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ..deploy.post_deploy import is_post_deploy
from ..files.discovery import MigrationFile
from ..files.discovery import misnamed as find_misnamed
from ..files.naming import sort_key
from ..states import SHOWN_STATES, Direction, Record, ShownState
from .plan import edited_since_applied, find_out_of_order, find_renames


@dataclass(frozen=True)
class MigrationStatus:
    """One migration: a file, a record, or both."""

    name: str
    state: ShownState
    batch: int | None
    applied_at: datetime | None
    #: Applied, and its file changed since (its checksum differs from the recorded one).
    modified: bool
    #: For a failed or running migration: the step it stopped in.
    step: Direction | None
    #: The other name of a renamed file: the applied name for the pending file, the file's
    #: new name for the missing record. Not part of the JSON document, whose shape is fixed.
    renamed: str | None = None
    #: Pending, and dated before the newest migration the tracking table has: it will run
    #: after migrations its name says come later.
    out_of_order: bool = False
    #: Pending, and a post-deploy migration (``post_deploy = True``): ``migrate
    #: --skip-post-deploy`` and auto-run leave it for the ``migrate`` after the deploy.
    post_deploy: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "state": self.state,
            "batch": self.batch,
            "applied_at": None if self.applied_at is None else self.applied_at.isoformat(),
            "modified": self.modified,
            "step": self.step,
            "out_of_order": self.out_of_order,
        }


@dataclass(frozen=True)
class MisnamedFile:
    """A file that looks meant as a migration but whose name is not one's: it never runs."""

    name: str
    reason: str


@dataclass(frozen=True)
class Status:
    """Every migration in run order, and the files skipped for their names."""

    migrations: list[MigrationStatus]
    misnamed: list[MisnamedFile]

    def names(self, state: ShownState) -> list[str]:
        """The migrations in ``state``, in run order."""
        return [m.name for m in self.migrations if m.state == state]

    @property
    def applied(self) -> list[str]:
        return self.names("applied")

    @property
    def pending(self) -> list[str]:
        return self.names("pending")

    @property
    def missing(self) -> list[str]:
        return self.names("missing")

    @property
    def failed(self) -> list[str]:
        return self.names("failed")

    @property
    def running(self) -> list[str]:
        return self.names("running")

    @property
    def modified(self) -> list[str]:
        return [m.name for m in self.migrations if m.modified]

    @property
    def out_of_order(self) -> list[str]:
        return [m.name for m in self.migrations if m.out_of_order]

    def counts(self) -> dict[ShownState, int]:
        return {state: len(self.names(state)) for state in SHOWN_STATES}

    #: What ``status[key]`` reads, the mapping the first release's ``status()`` returned.
    KEYS = (*SHOWN_STATES, "modified", "migrations")

    def __getitem__(self, key: str) -> list[Any]:
        """``status["applied"]``, ``["pending"]``... (each state), ``["modified"]``: names in
        run order; ``["migrations"]``: a dict per migration (name, state, batch, applied_at,
        modified). The attributes of the same names say the same."""
        if key in SHOWN_STATES:
            return self.names(key)
        if key == "modified":
            return self.modified
        if key == "migrations":
            return [
                {
                    "name": m.name,
                    "state": m.state,
                    "batch": m.batch,
                    "applied_at": m.applied_at,
                    "modified": m.modified,
                }
                for m in self.migrations
            ]
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return key in self.KEYS

    def keys(self) -> tuple[str, ...]:
        return self.KEYS

    def __iter__(self) -> Iterator[str]:
        return iter(self.KEYS)

    def __len__(self) -> int:
        return len(self.KEYS)

    def items(self) -> list[tuple[str, Any]]:
        return [(key, self[key]) for key in self.KEYS]

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self.KEYS else default

    def to_json(self) -> dict[str, Any]:
        """The document ``migrate:status --json`` prints (its schema is in the CLI docs)."""
        return {
            "migrations": [m.to_json() for m in self.migrations],
            "misnamed": [{"name": f.name, "reason": f.reason} for f in self.misnamed],
        }


def build_status(files: list[MigrationFile], records: list[Record], stems: list[str]) -> Status:
    """The report :meth:`MigrationManager.status` returns, from the files (``stems`` their
    names, those not migrations' included) and the records.

    Only the files of applied records are read, for their checksums, and the pending ones,
    for ``post_deploy``; none is imported.
    """
    taken = {file.name for file in files}
    misnamed = find_misnamed([stem for stem in stems if stem not in taken])
    by_name = {record.name: record for record in records}
    renamed = {}
    for old, new in find_renames(files, records):
        renamed[old], renamed[new] = new, old
    later = frozenset(
        file.name for file in files if file.name not in by_name and is_post_deploy(file)
    )
    late = set(find_out_of_order(files, records)) - later
    entries = []
    for file in files:
        record = by_name.pop(file.name, None)
        modified = record is not None and edited_since_applied(record, file)
        entry = _entry(file.name, record, modified, renamed.get(file.name))
        if file.name in late or file.name in later:
            entry = replace(entry, out_of_order=file.name in late, post_deploy=file.name in later)
        entries.append(entry)
    entries += [
        _entry(r.name, r, False, renamed.get(r.name), has_file=False) for r in by_name.values()
    ]
    entries.sort(key=lambda e: sort_key(e.name))
    return Status(entries, [MisnamedFile(name, reason) for name, reason in misnamed])


def _entry(
    name: str,
    record: Record | None,
    modified: bool,
    renamed: str | None,
    has_file: bool = True,
) -> MigrationStatus:
    if record is None:
        return MigrationStatus(name, "pending", None, None, False, None, renamed)
    state: ShownState = "missing" if not has_file and not record.stuck else record.shown_state
    return MigrationStatus(
        name, state, record.batch, record.applied_at, modified, record.direction, renamed
    )
