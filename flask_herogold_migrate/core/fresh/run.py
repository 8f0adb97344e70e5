"""``migrate:fresh``: drop everything, then run every migration as batch 1; and
``migrate:refresh``: roll back through ``down()``, then migrate again.

The drop and the migrations run under one hold of the migration lock, so no other run sees
the database between them. Every migration file is loaded before anything is dropped: a
broken file stops the command with the database untouched. On PostgreSQL and SQLite the drop
commits before the first migration runs; a migration that fails then leaves the database
with the migrations before it, as ``migrate`` would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import MigrationError
from ..files.discovery import discover, list_stems
from ..files.loader import load_migration
from ..manager import MigrationManager
from ..runtime.executor import Executor
from ..runtime.plan import MigrationPlan, plan_up
from .objects import DatabaseObjects, drop_objects, migrated_schema, reflect_objects


@dataclass(frozen=True)
class FreshPlan:
    """What :func:`fresh` would do now: the objects it would drop, then the migrations."""

    objects: DatabaseObjects
    migrations: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"drop": self.objects.to_json(), "migrate": list(self.migrations)}


@dataclass(frozen=True)
class FreshResult:
    """What :func:`fresh` dropped, and the migrations it applied (all of batch 1)."""

    dropped: DatabaseObjects
    applied: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"dropped": self.dropped.to_json(), "applied": list(self.applied)}


@dataclass(frozen=True)
class RefreshResult:
    """The migrations :func:`refresh` rolled back, newest first, then those it applied."""

    rolled_back: tuple[str, ...]
    applied: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"rolled_back": list(self.rolled_back), "applied": list(self.applied)}


class FreshFailed(MigrationError):
    """``migrate:fresh`` dropped the database's objects, then a migration failed."""

    @classmethod
    def after(
        cls, error: MigrationError, dropped: DatabaseObjects, plan: MigrationPlan
    ) -> FreshFailed:
        done = len(getattr(error, "completed", ()) or ())
        failed = cls(
            f"{error} Before it, migrate:fresh had dropped every object of the database "
            f"({dropped.count} objects) and applied {done} of {len(plan.steps)} migrations: "
            "fix the migration and run migrate:fresh again (the rows that were there are gone)."
        )
        failed.completed = getattr(error, "completed", ())
        return failed


def plan_fresh(manager: MigrationManager) -> FreshPlan:
    """The objects of the migrated database or schema, and every migration. Takes no lock."""
    files = discover(manager.migrations_dir)
    with manager.connect() as run, run.conn.begin():
        objects = reflect_objects(run.conn, migrated_schema(run.conn, manager.schema))
    return FreshPlan(objects, tuple(file.name for file in files))


def fresh(
    manager: MigrationManager, on_dropped: Callable[[DatabaseObjects], None] | None = None
) -> FreshResult:
    """Drop every object of the migrated database or schema, then apply every migration as
    one batch. ``on_dropped`` hears what was dropped before the first migration runs."""
    files = discover(manager.migrations_dir, list_stems(manager.migrations_dir))
    for file in files:
        load_migration(file)  # every file loads before anything is dropped
    with manager.connect() as run, run.exclusive("up") as impl:
        # A drop waits for a table's lock no longer than a step would (statement lock timeout).
        with run.statement_locks(impl).applied():
            dropped = drop_objects(run.conn, impl, manager.schema)
        if on_dropped is not None:
            on_dropped(dropped)
        records = run.records_for_change(impl)
        # Every file, whatever its date: there is no newer applied one to be out of order with.
        plan = plan_up(files, records, None, "allow")
        try:
            Executor.carry_out(run, impl, plan)
        except MigrationError as error:
            raise FreshFailed.after(error, dropped, plan) from error
    return FreshResult(dropped, tuple(plan.names))


def refresh(manager: MigrationManager, steps: int | None = None) -> RefreshResult:
    """Roll back every batch (or the last ``steps``) through ``down()``, then migrate."""
    undone = manager.reset() if steps is None else manager.rollback(steps)
    applied = manager.run_migrations()
    return RefreshResult(tuple(undone), tuple(applied))
