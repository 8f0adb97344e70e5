"""``migrate:check``: whether the database is migrated and matches the models.

For CI: a migration written but not applied, one that failed, or a model edited without
a migration makes it fail. It reads file names, runs one query on the tracking table, then
reflects the models' tables; it takes no lock and writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..autogenerate.compare import Difference, compare_models
from ..files.discovery import list_stems

if TYPE_CHECKING:
    from sqlalchemy import MetaData

    from ..runtime.run import RunConnection


@dataclass(frozen=True)
class ModelCheck:
    """What ``migrate:check`` found."""

    pending: tuple[str, ...]
    failed: tuple[str, ...]
    differences: tuple[Difference, ...]
    #: False when migrations are pending or failed: the models were not compared with a
    #: schema the files have not reached.
    compared: bool

    @property
    def ok(self) -> bool:
        return not self.pending and not self.failed and not self.differences

    def to_json(self) -> dict[str, Any]:
        """The document ``migrate:check --json`` prints."""
        return {
            "pending": list(self.pending),
            "failed": list(self.failed),
            "differences": [d.to_json() for d in self.differences],
        }


def check_models(
    run: RunConnection, migrations_dir: Path, metadata: MetaData | Sequence[MetaData]
) -> ModelCheck:
    """The pending and failed migrations, else the differences between models and database,
    on the manager's connection ``run``.

    A migrations directory that does not exist is refused, as every command but
    ``migrate:make`` refuses it: a CI job pointed at the wrong place must not pass.
    """
    if not migrations_dir.is_dir():
        list_stems(migrations_dir)  # raises MigrationsDirectoryNotFound, saying what to do
    backlog = run.backlog(migrations_dir)
    if not backlog.done:
        return ModelCheck(backlog.pending, backlog.stuck, (), compared=False)
    differences = compare_models(run.conn, metadata, tracking_table=run.tracking.name)
    return ModelCheck((), (), tuple(differences), compared=True)
