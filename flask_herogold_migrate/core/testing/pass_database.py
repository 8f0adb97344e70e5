"""One throwaway database of a check pass, and what the pass keeps open on it while it lasts.

The pass applies, rolls back and applies again each migration, and snapshots the schema in
between: hundreds of runs and snapshots on a database no one else uses. So each is done on a
connection kept for all of them: the runs on one that holds the migration lock
(:mod:`..runtime.locked_runs`), which a run of the manager's would set up and take for each,
and the snapshots on one in autocommit, which reads without a transaction to begin and end.
Both are closed before the database is dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from sqlalchemy.engine import Connection

from ..manager import MigrationManager
from ..runtime.locked_runs import LockedRuns, locked_runs
from ..tracking.digest import digest_table_name
from .snapshot import SchemaSnapshot, take_snapshot
from .throwaway import ThrowawayDatabase


class PassDatabase:
    """Runs and snapshots on ``database``, each on a connection kept until :meth:`close`."""

    def __init__(self, database: ThrowawayDatabase, directory: Path, tracking_table: str):
        self.database = database
        self.manager = MigrationManager(directory, engine=database.engine, table=tracking_table)
        #: The tables of ours, which snapshots leave out: the tracking table and its digest.
        self._ours = (tracking_table, digest_table_name(tracking_table))
        self._holding = ExitStack()
        self._runs: LockedRuns | None = None
        self._reader: Connection | None = None
        #: The schema as last seen: what the next snapshot need not reflect again.
        self._last_snapshot: SchemaSnapshot | None = None

    def apply(self, target: str) -> None:
        """Apply the pending migrations up to ``target``, as one batch."""
        with self._released_on_error():
            self._locked_runs().run_migrations(target)

    def roll_back(self) -> None:
        """Roll back the last batch."""
        with self._released_on_error():
            self._locked_runs().rollback(1)

    def snapshot(self) -> SchemaSnapshot:
        """The schema now; only the tables changed since the last snapshot are reflected."""
        if self._reader is None:
            # No transaction left open either, to hold a lock a step would wait for.
            self._reader = self.database.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            )
        self._last_snapshot = take_snapshot(
            self._reader, exclude=self._ours, previous=self._last_snapshot
        )
        return self._last_snapshot

    def close(self) -> None:
        """Release the lock and close the connections (the database itself stays)."""
        try:
            self._release()
        finally:
            if self._reader is not None:
                self._reader.close()
                self._reader = None

    def _locked_runs(self) -> LockedRuns:
        if self._runs is None:
            self._runs = self._holding.enter_context(locked_runs(self.manager))
        return self._runs

    def _release(self) -> None:
        self._runs = None
        self._holding.close()

    @contextmanager
    def _released_on_error(self) -> Iterator[None]:
        # A run that fails ends its hold of the lock, as a run of the manager's does: what
        # comes next starts from a connection set up anew.
        try:
            yield
        except BaseException:
            self._release()
            raise
