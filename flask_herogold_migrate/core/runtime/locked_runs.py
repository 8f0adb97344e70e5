"""What a run does once it holds the migration lock, and several runs under one hold of it.

Holding the lock, a run reads the tracking table again, plans, and carries the plan out
(:func:`up_under_lock`, :func:`down_under_lock`); the manager's runs take the lock for that,
each on a connection of its own. :class:`LockedRuns` does the same, run after run, on one
connection that takes the lock once: each of its runs plans from the rows it reads and runs
each step as the manager's run would (the executor, the step's transaction, its row), but
the connection is set up, and the lock taken and released, once for all of them. That is for
a database no other process migrates, ``migrate:test``'s throwaway ones, where a run's own
setting up and locking would cost more than its step.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Protocol, TypeVar

from ..adopt.fold import fold_squashed
from ..dialects import DialectImpl
from ..files.discovery import MigrationFile, discover, find_target
from .executor import Executor
from .plan import MigrationPlan, OutOfOrderPolicy, plan_down, plan_up, up_warnings
from .run import RunConnection

E = TypeVar("E", bound=Executor)


def up_under_lock(
    run: RunConnection,
    impl: DialectImpl,
    files: list[MigrationFile],
    last: MigrationFile | None,
    execute: type[E],
    *,
    out_of_order: OutOfOrderPolicy,
    skip_post_deploy: bool,
) -> tuple[MigrationPlan, E]:
    """Apply the pending migrations among ``files``, up to ``last`` if given, as one batch."""
    records = run.records_for_change(impl, rehearsing=not execute.records)
    if execute.records:  # a squashed migration takes its place (not in a rehearsal)
        records = fold_squashed(run.conn, impl, run.tracking, files, records, run.emit)
    plan = plan_up(files, records, last, out_of_order, skip_post_deploy)
    for progress in up_warnings(plan, out_of_order):
        run.emit(progress)
    return plan, execute.carry_out(run, impl, plan)


def down_under_lock(
    run: RunConnection,
    impl: DialectImpl,
    files: list[MigrationFile],
    batches: int | None,
    execute: type[E],
) -> tuple[MigrationPlan, E]:
    """Undo the last ``batches`` batches (None: every one), newest migration first."""
    records = run.records_for_change(impl, rehearsing=not execute.records)
    plan = plan_down(files, records, batches)
    return plan, execute.carry_out(run, impl, plan)


class _Manager(Protocol):
    """What :func:`locked_runs` reads of a :class:`~.manager.MigrationManager`."""

    migrations_dir: Path
    out_of_order: OutOfOrderPolicy
    skip_post_deploy: bool

    def connect(self, *, rehearsing: bool = False) -> AbstractContextManager[RunConnection]: ...


class LockedRuns:
    """Runs of one manager's migrations on one connection that holds the migration lock."""

    def __init__(self, manager: _Manager, run: RunConnection, impl: DialectImpl) -> None:
        self._manager = manager
        self._run = run
        self._impl = impl
        # Found once for all the runs, so each file is read for its checksum once, not once
        # a run (a run checks that no applied file changed since).
        self._files = discover(manager.migrations_dir)

    def run_migrations(self, target: str) -> list[str]:
        """Apply the pending migrations up to and including ``target``, as one batch; return
        their names (:meth:`.MigrationManager.run_migrations`)."""
        plan, _ = up_under_lock(
            self._run,
            self._impl,
            self._files,
            find_target(self._files, target),
            Executor,
            out_of_order=self._manager.out_of_order,
            skip_post_deploy=self._manager.skip_post_deploy,
        )
        return plan.names

    def rollback(self, steps: int = 1) -> list[str]:
        """Undo the last ``steps`` batches; return the names undone
        (:meth:`.MigrationManager.rollback`)."""
        plan, _ = down_under_lock(self._run, self._impl, self._files, steps, Executor)
        return plan.names


@contextmanager
def locked_runs(manager: _Manager) -> Iterator[LockedRuns]:
    """A connection of ``manager``'s, holding its migration lock until the block ends. The
    startup digest is cleared by the first run that changes a row and computed once, at the
    end, rather than by each run."""
    with (
        manager.connect() as run,
        run.exclusive("up") as impl,
        run.tracking.changing(run.conn),
    ):
        yield LockedRuns(manager, run, impl)
