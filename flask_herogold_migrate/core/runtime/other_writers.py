"""A run's first writes, which wait for other connections' writes to end: SQLite lets one
connection write at a time. Waiting too long there is no failure of a migration but a
database in use, said as such, with how long the run waited and that nothing ran."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from ..dialects import DialectImpl
from ..errors import LockWait
from ..errors.locked import DatabaseLocked, StepNotStarted
from ..states import Direction
from ..tracking.table import TrackingTable


@contextmanager
def waiting_for_other_writers(
    conn: Connection, impl: DialectImpl, timeout: float | None, what: str
) -> Iterator[None]:
    """Meanwhile, a write waits at most ``timeout`` (the statement lock timeout, else the
    database's own limit), then raises :class:`DatabaseLocked` naming ``what``."""
    limit: AbstractContextManager[None] = (
        nullcontext() if timeout is None else impl.statement_lock_timeout(conn, timeout)
    )
    with limit:
        try:
            yield
        except DBAPIError as error:
            if not impl.lock_not_obtained(error):
                raise
            waited = timeout if timeout is not None else impl.lock_wait_limit(conn)
            raise DatabaseLocked(what, waited) from error


def ensure_tracking_table(
    conn: Connection, impl: DialectImpl, tracking: TrackingTable, timeout: float | None
) -> None:
    """Create the tracking table if it is missing, on a first run, while others may write."""
    with waiting_for_other_writers(conn, impl, timeout, "creating the tracking table"):
        tracking.ensure(conn)


def not_started(
    conn: Connection,
    impl: DialectImpl,
    name: str,
    direction: Direction,
    timeout: float | None,
    error: DBAPIError,
    lock_wait: LockWait | None,
) -> StepNotStarted | None:
    """``error``, met before a step began, as the reason it did not start, when it is a lock
    not obtained; else None."""
    if not impl.lock_not_obtained(error):
        return None
    waited = timeout if timeout is not None else impl.lock_wait_limit(conn)
    return StepNotStarted(name, direction, error, waited=waited, lock_wait=lock_wait)
