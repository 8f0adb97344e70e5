"""Whether every migration has reached the database: what comparing with the models needs.

Autogenerate and ``migrate:check`` compare the models with the migrated schema. With
migrations pending or failed, that schema is not the one the files describe, and a diff
against it would write again what a pending migration already does. Like the startup
check, this reads file names and runs one query: no migration file is read or imported.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DatabaseNotMigrated
from ..files.discovery import list_stems
from ..files.naming import parse_stem, sort_key
from ..states import APPLIED

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from .tracking import TrackingTable


@dataclass(frozen=True)
class Backlog:
    """The migrations between the files and the database."""

    #: Files not applied yet, in run order.
    pending: tuple[str, ...]
    #: Migrations recorded as failed, or as running (their process died), in run order.
    failed: tuple[str, ...]

    @property
    def is_clear(self) -> bool:
        return not self.pending and not self.failed

    def refuse(self, what: str) -> None:
        """Raise :class:`DatabaseNotMigrated` unless every migration is applied."""
        if self.is_clear:
            return
        parts = []
        if self.pending:
            parts.append(f"pending: {', '.join(self.pending)}")
        if self.failed:
            parts.append(f"failed: {', '.join(self.failed)}")
        fix = "run migrate" if not self.failed else "repair them (migrate:repair), then migrate"
        raise DatabaseNotMigrated(
            f"Cannot {what}: the database is not fully migrated ({'; '.join(parts)}). The "
            f"models are compared with the migrated schema: {fix} first.",
            pending=self.pending,
            failed=self.failed,
        )


def read_backlog(conn: Connection, migrations_dir: Path, tracking: TrackingTable) -> Backlog:
    """The pending and failed migrations, from file names and one query."""
    stems = list_stems(migrations_dir) if os.path.isdir(migrations_dir) else []
    states = tracking.read_states(conn)
    pending = [stem for stem in stems if stem not in states and parse_stem(stem)]
    failed = [name for name, state in states.items() if state != APPLIED]
    return Backlog(tuple(sorted(pending, key=sort_key)), tuple(sorted(failed, key=sort_key)))
