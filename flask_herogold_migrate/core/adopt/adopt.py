"""``migrate:adopt``: taking over a database that Flask-Migrate (Alembic) or ``create_all()``
made, without touching a table or a row.

The plan reads the database and builds a verified baseline (:mod:`.baseline`); adopting
writes it as the first migration and records it as applied, under the migration lock,
without running it (``--fake``). ``alembic_version`` stays unless asked, so going back to
Flask-Migrate remains possible.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from ..files.create import write_new_migration
from ..files.naming import normalize_new_name
from ..manager import MigrationManager
from ..urls import safe_url
from .baseline import Baseline, build_baseline
from .live_schema import ALEMBIC_VERSION_TABLE, AdoptionRefused, alembic_heads
from .preconditions import refuse_tracked, refuse_written_directory


class BaselineDiffers(AdoptionRefused):
    """The schema the baseline builds is not the live one: nothing was written or recorded."""

    def __init__(self, message: str, *, differences: tuple[str, ...]) -> None:
        super().__init__(message)
        self.differences = differences


@dataclass(frozen=True)
class AdoptPlan:
    """What adopting a database will write and record; nothing has changed yet."""

    #: How messages name the database.
    database: str
    #: The baseline's description, as ``migrate:make`` takes it: ``baseline``.
    name: str
    #: The revision ``alembic_version`` holds, if the database has the table.
    alembic_revision: str | None
    baseline: Baseline

    @property
    def path(self) -> str:
        return f"{self.baseline.new.stem}.py"

    def to_json(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "alembic_revision": self.alembic_revision,
            "baseline": self.baseline.new.stem,
            "tables": list(self.baseline.tables),
            "not_expressible": list(self.baseline.not_expressible),
            "differences": list(self.baseline.differences),
            "verified": self.baseline.verified,
        }


@dataclass(frozen=True)
class Adopted:
    """What adopting did: the file written and recorded, and what was left or dropped."""

    path: Path
    plan: AdoptPlan
    #: Whether ``alembic_version`` was dropped.
    dropped_alembic_version: bool


def plan_adopt(
    manager: MigrationManager, *, name: str = "baseline", now: datetime | None = None
) -> AdoptPlan:
    """Read the database of ``manager`` and build its baseline, verified on a throwaway
    database. Refuses (:class:`AdoptionRefused`) a database already tracked, one with
    several Alembic heads, one with nothing to adopt, and a directory that has migrations."""
    refuse_written_directory(manager.migrations_dir)
    database = safe_url(manager.engine.url)
    with manager.connect() as run:
        conn = run.conn
        refuse_tracked(conn, manager, database)
        with conn.begin():
            heads = alembic_heads(conn)
            if heads is not None and len(heads) > 1:
                raise AdoptionRefused(
                    f"alembic_version holds several heads ({', '.join(heads)}): merge them "
                    "with Flask-Migrate first (flask db merge heads, then flask db upgrade). "
                    "Nothing was written."
                )
            baseline = build_baseline(
                conn,
                name=name,
                migrations_dir=manager.migrations_dir,
                tracking_table=manager.tracking.name,
                origin=_origin(heads),
                now=now,
            )
    if not baseline.tables and not heads:
        raise AdoptionRefused(
            f"{database} has no tables and no alembic_version: there is nothing to adopt. "
            "Write migrations and run flask migrate instead."
        )
    return AdoptPlan(database, normalize_new_name(name), heads[0] if heads else None, baseline)


def adopt(
    manager: MigrationManager,
    plan: AdoptPlan,
    *,
    accept_differences: bool = False,
    drop_alembic_version: bool = False,
) -> Adopted:
    """Write the baseline and record it as applied without running it.

    A baseline whose schema differs from the live one is refused (:class:`BaselineDiffers`,
    listing how) unless ``accept_differences``.
    """
    differences = plan.baseline.differences
    if differences and not accept_differences:
        raise BaselineDiffers(
            "The baseline does not build the schema the database has, so it was neither "
            "written nor recorded:\n"
            + "\n".join(f"  {line}" for line in differences)
            + "\nAdjust the database, or adopt with --accept-differences and edit the baseline.",
            differences=differences,
        )
    path = write_new_migration(plan.name, manager.migrations_dir, plan.baseline.render)
    try:
        manager.run_migrations(path.stem, fake=True)
    except BaseException:
        path.unlink(missing_ok=True)  # not recorded: a pending baseline would run over the tables
        raise
    if drop_alembic_version and plan.alembic_revision is not None:
        with manager.connect() as run, run.conn.begin():
            run.conn.execute(text(f"DROP TABLE {ALEMBIC_VERSION_TABLE}"))
    return Adopted(path, plan, drop_alembic_version and plan.alembic_revision is not None)


def _origin(heads: list[str] | None) -> str:
    revision = f" (Alembic revision {heads[0]})" if heads else ""
    return (
        f"Written by migrate:adopt from the live database{revision}: it creates the schema the "
        "database had,\nand was recorded there as applied without running."
    )
