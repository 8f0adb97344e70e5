"""``migrate:adopt --from-alembic DIR``: taking over a Flask-Migrate database with its history.

Every revision becomes a migration of ours (:mod:`.alembic_history`); those up to the revision
``alembic_version`` holds are recorded as applied without running, the later ones stay
pending. Before anything is written, the converted files up to that revision are run on a
throwaway database, whose schema must be the live one.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..manager import MigrationManager
from ..runtime.connection import run_connection
from ..testing.throwaway import throwaway_database
from ..tracking.digest import digest_table_name
from ..urls import safe_url
from .alembic_history import ConvertedRevision, convert, read_history
from .baseline import snapshot_differences
from .live_schema import (
    ALEMBIC_VERSION_TABLE,
    AdoptionRefused,
    alembic_heads,
    read_live_schema,
)
from .preconditions import refuse_tracked, refuse_written_directory


@dataclass(frozen=True)
class AlembicAdoptPlan:
    """The converted history, what will be recorded as applied, and how it was verified."""

    database: str
    alembic_revision: str
    converted: tuple[ConvertedRevision, ...]
    #: The stems recorded as applied: every revision up to ``alembic_revision``.
    applied: tuple[str, ...]
    differences: tuple[str, ...]

    @property
    def pending(self) -> tuple[str, ...]:
        return tuple(c.stem for c in self.converted if c.stem not in self.applied)

    def to_json(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "alembic_revision": self.alembic_revision,
            "migrations": [
                {"name": c.stem, "revision": c.revision.revision, "applied": c.stem in self.applied}
                for c in self.converted
            ],
            "differences": list(self.differences),
            "verified": not self.differences,
        }


def plan_adopt_from_alembic(manager: MigrationManager, directory: Path) -> AlembicAdoptPlan:
    """Read the Alembic history in ``directory`` and the database's revision, convert, and
    verify on a throwaway database; nothing is written."""
    refuse_written_directory(manager.migrations_dir)
    history = read_history(directory)
    database = safe_url(manager.engine.url)
    with manager.connect() as run:
        conn = run.conn
        refuse_tracked(conn, manager, database)
        with conn.begin():
            heads = alembic_heads(conn)
            if not heads:
                raise AdoptionRefused(
                    f"{database} has no alembic_version row, so its Alembic revision is unknown: "
                    "run flask db upgrade (Flask-Migrate) first, or adopt it with a baseline "
                    "(without --from-alembic)."
                )
            if len(heads) > 1:
                raise AdoptionRefused(
                    f"alembic_version holds several heads ({', '.join(heads)}): merge them with "
                    "Flask-Migrate first (flask db merge heads, then flask db upgrade). Nothing "
                    "was written."
                )
            known = [revision.revision for revision in history]
            if heads[0] not in known:
                raise AdoptionRefused(
                    f"{database} is at the Alembic revision {heads[0]}, which {directory} does "
                    "not hold. Point --from-alembic at the history that made it."
                )
            converted = convert(history, [])
            applied = tuple(c.stem for c in converted[: known.index(heads[0]) + 1])
            tracking = manager.tracking.name
            exclude = {tracking, digest_table_name(tracking), ALEMBIC_VERSION_TABLE}
            noted = read_live_schema(conn, exclude=exclude).not_expressible
            found = _verify(conn, converted, applied[-1], manager.tracking.name, exclude, noted)
    return AlembicAdoptPlan(database, heads[0], tuple(converted), applied, found)


def adopt_from_alembic(
    manager: MigrationManager, plan: AlembicAdoptPlan, *, accept_differences: bool = False
) -> list[Path]:
    """Write the converted files and record those up to the database's revision as applied."""
    from .adopt import BaselineDiffers

    if plan.differences and not accept_differences:
        raise BaselineDiffers(
            "The converted history does not build the schema the database has, so nothing was "
            "written or recorded:\n"
            + "\n".join(f"  {line}" for line in plan.differences)
            + "\nAdjust the database, or adopt with --accept-differences.",
            differences=plan.differences,
        )
    manager.migrations_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        for converted in plan.converted:
            path = manager.migrations_dir / f"{converted.stem}.py"
            with path.open("x", encoding="utf-8") as handle:
                handle.write(converted.source)
            written.append(path)
        manager.run_migrations(plan.applied[-1], fake=True)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return written


def _verify(
    conn: Any,
    converted: list[ConvertedRevision],
    last: str,
    tracking_table: str,
    exclude: set[str],
    noted: tuple[str, ...],
) -> tuple[str, ...]:
    with throwaway_database(conn.engine.url) as throwaway:
        with tempfile.TemporaryDirectory(prefix="hgm_alembic_") as directory:
            for item in converted:
                Path(directory, f"{item.stem}.py").write_text(item.source, encoding="utf-8")
            MigrationManager(
                directory, engine=throwaway.engine, table=tracking_table
            ).run_migrations(last)
        with run_connection(throwaway.engine) as built:
            return snapshot_differences(conn, built, exclude=exclude, noted=noted)
