"""The connection of a run, as the manager hands it out, with every setting of the run on it.

Django builds its migration executor from one connection, and Alembic's commands run in the
one environment its configuration sets up: so here. Every feature that touches a managed
database (a run, its rehearsal, ``status``, ``migrate:check``, autogenerate, the wait, lint)
gets a :class:`RunConnection` from :meth:`.MigrationManager.connect`, never the engine and
the tracking table to connect by itself. What the settings say is then applied in one place:

- the schema (a PostgreSQL schema tenant): its ``search_path``, from the first query;
- taking the migration lock: its timeout, and the server's check that the client lives;
- around the steps, rehearsed or not (:meth:`RunConnection.running_steps`): MariaDB's strict
  ``sql_mode``, the statement lock timeout, and SQLite's foreign keys off, each step checked
  before it commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from ..errors import ConfigurationError, FailedMigrationRecorded
from ..files.naming import sort_key
from ..progress import Progress
from ..states import Direction, Record
from .backlog import Backlog
from .lock import holding_the_lock
from .other_writers import ensure_tracking_table
from .statement_locks import StatementLockPolicy, StatementLocks

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.engine import Connection

    from ..dialects import DialectImpl
    from ..reporting.announce import Reporting
    from ..tracking.table import TrackingTable
    from .plan import MigrationPlan


class _Settings(Protocol):
    """What :meth:`RunSettings.of` reads: the manager's settings of those names."""

    lock_timeout: float
    connection_check_interval: float
    statement_lock_timeout: float | None
    statement_lock_retries: int
    single_transaction: bool
    mysql_strict: bool


@dataclass(frozen=True)
class RunSettings:
    """The manager's settings that act on the connection of a run."""

    lock_timeout: float
    connection_check_interval: float
    statement_locks: StatementLockPolicy = field(default_factory=StatementLockPolicy)
    single_transaction: bool = False
    #: MariaDB and MySQL: steps run with a strict ``sql_mode``, so a value that does not fit
    #: fails its statement instead of being truncated.
    mysql_strict: bool = True

    @classmethod
    def of(cls, manager: _Settings) -> RunSettings:
        """The run settings of ``manager``."""
        locks = StatementLockPolicy(manager.statement_lock_timeout, manager.statement_lock_retries)
        return cls(
            manager.lock_timeout,
            manager.connection_check_interval,
            locks,
            manager.single_transaction,
            manager.mysql_strict,
        )


class RunConnection:
    """A connection of a run, set up as the manager's settings say (see the module)."""

    def __init__(
        self,
        conn: Connection,
        tracking: TrackingTable,
        settings: RunSettings,
        emit: Callable[[Progress], None],
        reporting: Reporting | None = None,
    ) -> None:
        self.conn = conn
        self.tracking = tracking
        self.settings = settings
        self.emit = emit
        #: The tracking table was made complete on this connection, under the lock it still
        #: holds: runs after the first one on it (:mod:`.locked_runs`) need not check again.
        self._tracking_ready = False
        #: The manager whose run this is, as its signals' sender (see :mod:`..reporting`).
        self.reporting = reporting

    def reported(self, plan: MigrationPlan) -> AbstractContextManager[Callable[[Progress], None]]:
        """The progress callback of a run of ``plan``: :attr:`emit`, with numbered steps and
        heartbeats, relaying the steps as signals to any subscriber (see :mod:`..reporting`)."""
        if self.reporting is None:
            return nullcontext(self.emit)
        from ..reporting.announce import reported

        return reported(self.reporting, plan, self.emit)

    def backlog(self, migrations_dir: Path) -> Backlog:
        """What is not applied yet of the files in ``migrations_dir``: one query."""
        from .backlog import read_backlog

        return read_backlog(self.conn, migrations_dir, self.tracking)

    @contextmanager
    def exclusive(self, direction: Direction) -> Iterator[DialectImpl]:
        """Hold the migration lock; refuse a single transaction the database cannot keep."""
        with holding_the_lock(
            self.conn,
            self.tracking.name,
            direction,
            lock_timeout=self.settings.lock_timeout,
            connection_check_interval=self.settings.connection_check_interval,
            emit=self.emit,
        ) as impl:
            if self.settings.single_transaction and not impl.transactional_ddl:
                raise ConfigurationError(
                    f"A single transaction cannot hold a run on {impl.display_name}: every DDL "
                    "statement commits on its own there, so a failure could not undo the run. "
                    "Nothing was run. Run without --single-transaction "
                    "(HEROGOLD_MIGRATE_SINGLE_TRANSACTION)."
                )
            try:
                yield impl
            finally:
                self._tracking_ready = False  # without the lock, others may change it again

    def records_for_change(self, impl: DialectImpl, *, rehearsing: bool = False) -> list[Record]:
        """The rows, read under the lock, by a run about to change something.

        A rehearsal refuses stuck rows as the run does, but writes nothing: a row still
        ``running`` stays so, for the real run to mark as failed.
        """
        if not rehearsing:
            # Created on a first run (or given the columns an older version's lacks), waiting
            # no longer than the statement lock timeout for other writers.
            if not self._tracking_ready:
                timeout = self.settings.statement_locks.timeout
                ensure_tracking_table(self.conn, impl, self.tracking, timeout)
                self._tracking_ready = True
            return self.tracking.read_for_change(self.conn)
        records = self.tracking.read(self.conn)
        stuck = sorted((r for r in records if r.stuck), key=lambda r: sort_key(r.name))
        if stuck:
            raise FailedMigrationRecorded.for_steps([(r.name, r.direction or "up") for r in stuck])
        return records

    def statement_locks(self, impl: DialectImpl) -> StatementLocks:
        return StatementLocks(self.conn, impl, self.settings.statement_locks, self.emit)

    @contextmanager
    def running_steps(self, impl: DialectImpl, locks: StatementLocks) -> Iterator[None]:
        """Around the steps of a run or a rehearsal: the statement lock timeout set, and what
        the dialect does while steps run (SQLite: foreign keys off, each step checked)."""
        strict = impl.strict_data(self.conn) if self.settings.mysql_strict else nullcontext()
        with strict, locks.applied(), impl.running_steps(self.conn):
            yield
