"""Errors of a run that found the database locked by another connection before doing
anything: SQLite lets one connection write at a time, and a migration's first write waits
for the others' to end, up to a limit."""

from __future__ import annotations

from ..states import Direction
from . import LockWait, MigrationError, MigrationFailed

_WAIT_LONGER = (
    "Run it again when the other connection's write is done, or let it wait longer "
    "(HEROGOLD_MIGRATE_STATEMENT_LOCK_TIMEOUT)."
)


def locked_by_another(what: str, waited: float | None) -> str:
    """Why ``what`` did not happen: the lock it waited for (``waited`` seconds) stayed held."""
    after = f" after {waited:g} s" if waited is not None else ""
    return (
        f"the database was locked by another connection, and {what} gave up waiting for it{after}"
    )


class DatabaseLocked(MigrationError):
    """The run could not prepare the database (create its tracking table): it was locked."""

    def __init__(self, what: str, waited: float | None) -> None:
        self.waited = waited
        reason = locked_by_another(what, waited)
        super().__init__(f"{reason[:1].upper()}{reason[1:]}. Nothing ran. {_WAIT_LONGER}")


class StepNotStarted(MigrationFailed):
    """A step could not begin its transaction (or record its start): the database was locked.

    Nothing of it ran, so it stays pending, and a retry is safe.
    """

    def __init__(
        self,
        name: str,
        direction: Direction,
        error: BaseException,
        *,
        waited: float | None,
        lock_wait: LockWait | None,
    ) -> None:
        super().__init__(name, direction, error, recorded_failed=False, lock_wait=lock_wait)
        self.waited = waited
        retry = lock_wait.describe() if lock_wait is not None else _WAIT_LONGER
        reason = locked_by_another(f"its {direction}() transaction", waited)
        self.args = (
            f"Migration {name} did not start: {reason}. Nothing of it ran: it is still "
            f"{'pending' if direction == 'up' else 'applied'}. {retry}",
        )
