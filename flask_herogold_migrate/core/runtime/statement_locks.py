"""Statement lock timeouts: a step gives up waiting for a lock, says who held it, and is tried
again when its failed attempt left nothing behind.

On PostgreSQL an ``ALTER TABLE`` waiting for its table lock behind one long transaction makes
every later query on that table queue behind it, and MariaDB's metadata locks do the same:
one migration can stall a site. With a statement lock timeout the step fails instead, which
lets the queue drain, and a retry after a pause often finds the table free.

A session that waits cannot be asked what it waits for, and once it gave up it waits for
nothing, so the sessions holding the lock are found while it waits, from another connection
(:class:`BlockerWatch`), where the database can say (PostgreSQL).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from ..dialects import DialectImpl
from ..errors import LockWait, MigrationFailed
from ..progress import Progress
from .connection import run_connection
from .plan import PlannedStep

#: Seconds before the first retry; each further one waits twice as long, up to the maximum.
FIRST_RETRY_PAUSE = 1.0
MAX_RETRY_PAUSE = 60.0


@dataclass(frozen=True)
class StatementLockPolicy:
    """How long a step's statements wait for a lock, and how often a step that gave up is
    tried again."""

    #: Seconds; None leaves the database's own limit (none, on PostgreSQL).
    timeout: float | None = None
    retries: int = 0


def retry_pause(retry: int) -> float:
    """Seconds to pause before retry number ``retry`` (1 for the first)."""
    return min(FIRST_RETRY_PAUSE * 2.0 ** (retry - 1), MAX_RETRY_PAUSE)


class StatementLocks:
    """Applies a :class:`StatementLockPolicy` to the steps an executor runs."""

    def __init__(
        self,
        conn: Connection,
        impl: DialectImpl,
        policy: StatementLockPolicy,
        emit: Callable[[Progress], None],
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.conn = conn
        self.impl = impl
        self.policy = policy
        self.emit = emit
        self.sleep = sleep
        self._session_id: int | None = None
        self._watch: BlockerWatch | None = None
        self._attempt = 1

    @contextmanager
    def applied(self) -> Iterator[None]:
        """The run's connection with the timeout set, put back as it was afterwards."""
        timeout = self.policy.timeout
        if timeout is None:
            yield
            return
        if self.impl.names_blockers:
            self._session_id = self.impl.session_id(self.conn)
        with self.impl.statement_lock_timeout(self.conn, timeout):
            yield

    def run(self, step: PlannedStep, attempt: Callable[[], None], *, retry: bool) -> None:
        """Call ``attempt`` (the executor running ``step``), again after a pause while it
        failed for a lock and left nothing behind, up to ``retries`` more times."""
        tries = 1 + (self.policy.retries if retry else 0)
        for number in range(1, tries + 1):
            self._attempt = number
            try:
                with self._watching():
                    attempt()
                return
            except MigrationFailed as failed:
                # Only where the attempt left nothing: a step part of which committed would
                # run that part twice.
                if failed.lock_wait is None or failed.recorded_failed or number == tries:
                    raise
                pause = retry_pause(number)
                held = "; ".join(failed.lock_wait.blockers) or "another session"
                reason = f"attempt {number} of {tries}, held by {held}"
                self.emit(Progress("retrying", step.name, step.direction, pause, reason=reason))
                self.sleep(pause)

    def explain(self, error: BaseException) -> LockWait | None:
        """Why a step failed with ``error``, if for a lock not obtained in time."""
        if not self._is_lock_not_obtained(error):
            return None
        blockers = self._watch.blockers if self._watch is not None else ()
        return LockWait(self.policy.timeout, blockers, self._attempt)

    def _is_lock_not_obtained(self, error: BaseException | None) -> bool:
        seen: set[int] = set()
        while error is not None and id(error) not in seen:
            seen.add(id(error))
            if isinstance(error, DBAPIError) and self.impl.lock_not_obtained(error):
                return True
            error = error.__cause__ or error.__context__
        return False

    @contextmanager
    def _watching(self) -> Iterator[None]:
        timeout, session_id = self.policy.timeout, self._session_id
        if timeout is None or session_id is None:
            self._watch = None
            yield
            return
        self._watch = BlockerWatch(self.conn.engine, self.impl, session_id, timeout)
        with self._watch:
            yield


class BlockerWatch:
    """Notes, from a connection of its own, which sessions a session waits for while a step
    runs. It connects only once the step has run for a while: most steps end before."""

    def __init__(self, engine: Engine, impl: DialectImpl, session_id: int, timeout: float):
        self.engine = engine
        self.impl = impl
        self.session_id = session_id
        # Several looks within the timeout, so a wait of that length is seen.
        self.poll = min(max(timeout / 4, 0.05), 1.0)
        #: The sessions seen holding what the watched session waited for, the latest seen.
        self.blockers: tuple[str, ...] = ()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="herogold-blockers", daemon=True)

    def __enter__(self) -> BlockerWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)  # a query in flight; the thread is a daemon anyway

    def _watch(self) -> None:
        if self._stop.wait(self.poll):
            return
        try:
            with run_connection(self.engine) as conn:
                while True:
                    found = self.impl.blockers(conn, self.session_id)
                    if found:
                        self.blockers = found
                    if self._stop.wait(self.poll):
                        return
        except Exception:  # naming the blockers is a courtesy: the step's own error matters
            return
