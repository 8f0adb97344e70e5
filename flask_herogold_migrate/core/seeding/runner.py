"""Running seeders: each in its own transaction, under the migration lock, after every
migration is applied.

A failing seeder stops the run: its rows are rolled back with its transaction, while the
seeders before it keep theirs, and the error says which ran (:class:`SeederFailed`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors.seeding import MigrationsPending, SeederFailed
from ..files.discovery import discover, list_stems
from ..manager import MigrationManager
from ..runtime.session import run_step
from ..states import APPLIED
from .files import SeederFile, failure_line, find_seeders, forget_loaded, load_seeder

#: Told when a seeder starts (seconds None) and when it is done (the seconds it took).
SeedProgress = Callable[[str, "float | None"], None]


@dataclass(frozen=True)
class SeedPlan:
    """The seeders a run would run, in order; their files were found and loaded."""

    directory: Path
    seeders: tuple[SeederFile, ...]

    @property
    def names(self) -> list[str]:
        return [seeder.name for seeder in self.seeders]

    def to_json(self) -> dict[str, Any]:
        return {"seeders": self.names}


@dataclass(frozen=True)
class SeedResult:
    """The seeders that ran, in order, each committed."""

    seeded: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"seeded": list(self.seeded)}


def plan_seed(manager: MigrationManager, names: Sequence[str] = ()) -> SeedPlan:
    """The seeders ``names`` (else every one) of ``manager.seeders_dir``, found and loaded,
    so a broken file stops the run before any seeder (or, for ``--seed``, any drop or
    migration) runs."""
    directory = manager.seeders_dir
    forget_loaded(directory)
    seeders = find_seeders(directory, names)
    for seeder in seeders:
        load_seeder(seeder)
    return SeedPlan(directory, seeders)


def seed(
    manager: MigrationManager,
    seeders: Sequence[str] | SeedPlan = (),
    on_progress: SeedProgress | None = None,
) -> SeedResult:
    """Run the seeders named (else every one, in file-name order, or those of a plan from
    :func:`plan_seed`) on ``manager``'s database, each in a transaction of its own, under the
    migration lock; refused while a migration is pending."""
    plan = seeders if isinstance(seeders, SeedPlan) else plan_seed(manager, seeders)
    classes = [load_seeder(seeder) for seeder in plan.seeders]
    ran: list[str] = []
    with manager.connect() as run, run.exclusive("up") as impl:
        conn = run.conn
        _refuse_pending(manager, manager.tracking.read_states(conn))
        for seeder, cls in zip(plan.seeders, classes, strict=True):
            if on_progress is not None:
                on_progress(seeder.name, None)
            started = time.perf_counter()
            try:
                with impl.begin(conn):
                    run_step(conn, impl.join_transaction_mode, cls().start)
            except (Exception, SystemExit) as error:
                raise SeederFailed(
                    seeder.name,
                    error,
                    path=seeder.path,
                    line=failure_line(seeder.path, error),
                    ran=tuple(ran),
                ) from error
            ran.append(seeder.name)
            if on_progress is not None:
                on_progress(seeder.name, time.perf_counter() - started)
    return SeedResult(tuple(ran))


def refuse_pending_migrations(manager: MigrationManager) -> None:
    """What ``seed`` refuses under the lock, checked without it (``--pretend``): one query."""
    with manager.connect() as run:
        _refuse_pending(manager, manager.tracking.read_states(run.conn))


def _refuse_pending(manager: MigrationManager, states: dict[str, str]) -> None:
    files = discover(manager.migrations_dir, list_stems(manager.migrations_dir))
    pending = tuple(file.name for file in files if states.get(file.name) != APPLIED)
    if pending:
        raise MigrationsPending(pending)
