"""The manager's ``pretend_*`` methods: a run rehearsed (see :mod:`.rehearsal`), planned by the
manager exactly as for the real run and handed to the rehearsing executor."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from ..runtime.executor import Executor
    from ..runtime.plan import MigrationPlan
    from .rehearsal import Rehearsal

    E = TypeVar("E", bound=Executor)


class Previews:
    """What :class:`~flask_herogold_migrate.MigrationManager` would do, changing nothing."""

    if TYPE_CHECKING:

        def _up(self, target: str | None, execute: type[E]) -> tuple[MigrationPlan, E] | None: ...

        def _down(
            self, batches: int | None, execute: type[E]
        ) -> tuple[MigrationPlan, E] | None: ...

    def pretend_migrations(self, target: str | None = None) -> Rehearsal:
        """What :meth:`run_migrations` would run now, rehearsed without changing anything.

        See :mod:`.rehearsal`: on SQLite and PostgreSQL the batch runs in one transaction that
        is rolled back; on MySQL and MariaDB its statements are recorded, not sent.
        """
        from .rehearsal import Rehearser, rehearsal_of

        return rehearsal_of("up", self._up(target, Rehearser))

    def pretend_rollback(self, steps: int = 1) -> Rehearsal:
        """What :meth:`rollback` would run now, rehearsed as :meth:`pretend_migrations` does."""
        from .rehearsal import Rehearser, rehearsal_of

        if steps < 1:
            raise ValueError("steps must be 1 or more")
        return rehearsal_of("down", self._down(steps, Rehearser))

    def pretend_reset(self) -> Rehearsal:
        """What :meth:`reset` would run now, rehearsed as :meth:`pretend_migrations` does."""
        from .rehearsal import Rehearser, rehearsal_of

        return rehearsal_of("down", self._down(None, Rehearser))
