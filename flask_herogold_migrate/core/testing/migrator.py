"""Migrations driven one at a time on a throwaway database, for data-migration tests.

The pytest plugin's ``migrator`` fixture is one of these::

    def test_existing_users_get_the_user_role(migrator):
        migrator.up_to("20250301_create_users_table")
        users = migrator.table("users")
        migrator.connection.execute(users.insert().values(name="Ada", email="ada@x.io"))
        migrator.up_one()  # 20250315_add_roles
        ...

Each migration applied is a batch of its own, so :meth:`Migrator.down_one` undoes exactly
one. Rows written between steps must be committed before the next step, which runs on a
connection of its own: :attr:`Migrator.connection` commits each statement on its own, and
each step commits what :attr:`Migrator.session` holds first. Neither is left in a
transaction across a step, so neither holds a lock that would make the step wait.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import MetaData, Table
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.url import URL

from ..files.discovery import discover, find_target
from ..manager import MigrationManager
from .throwaway import ThrowawayDatabase

if TYPE_CHECKING:
    import os

    from sqlmodel import Session


class Migrator:
    """Applies and rolls back the migrations of ``migrations_dir`` one by one on ``database``."""

    def __init__(
        self,
        database: ThrowawayDatabase,
        migrations_dir: str | os.PathLike[str],
        *,
        tracking_table: str = "migrations",
    ) -> None:
        self.database = database
        self.manager = MigrationManager(
            migrations_dir, engine=database.engine, table=tracking_table
        )
        self._connection: Connection | None = None
        self._session: Session | None = None

    @property
    def engine(self) -> Engine:
        """The throwaway database's engine."""
        return self.database.engine

    @property
    def url(self) -> URL:
        return self.database.url

    @property
    def names(self) -> list[str]:
        """Every migration, in run order."""
        return [file.name for file in discover(self.manager.migrations_dir)]

    @property
    def applied(self) -> list[str]:
        """The migrations applied so far, in run order."""
        return self.manager.status().applied

    @property
    def pending(self) -> list[str]:
        """The migrations not applied yet, in run order."""
        return self.manager.status().pending

    def up_to(self, name: str) -> list[str]:
        """Apply the pending migrations up to and including ``name``, one batch each.

        ``name`` is a full name or a description only one file has. Returns the names applied
        (none if ``name`` is applied already).
        """
        self._settle()
        files = discover(self.manager.migrations_dir)
        last = find_target(files, name)
        applied = set(self.applied)
        ran: list[str] = []
        for file in files:
            if file.parsed.sort_key > last.parsed.sort_key:
                break
            if file.name not in applied:
                ran += self.manager.run_migrations(file.name)
        return ran

    def up_one(self) -> str:
        """Apply the next pending migration; return its name."""
        self._settle()
        pending = self.pending
        if not pending:
            raise LookupError("No migration is pending: every migration is applied.")
        self.manager.run_migrations(pending[0])
        return pending[0]

    def down_one(self) -> str:
        """Roll back the last migration applied; return its name."""
        self._settle()
        undone = self.manager.rollback(1)
        if not undone:
            raise LookupError("No migration is applied: there is nothing to roll back.")
        return undone[0]

    @property
    def connection(self) -> Connection:
        """A connection to the throwaway database on which each statement commits at once."""
        if self._connection is None or self._connection.closed:
            self._connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self._connection

    @property
    def session(self) -> Session:
        """A SQLModel session on the throwaway database; each step commits it first."""
        if self._session is None:
            from sqlmodel import Session

            self._session = Session(self.engine)
        return self._session

    def table(self, name: str) -> Table:
        """Table ``name`` as it is now, reflected from the database."""
        return Table(name, MetaData(), autoload_with=self.connection)

    def close(self) -> None:
        """Close the session and the connection (the database itself is the caller's)."""
        if self._session is not None:
            self._session.close()
            self._session = None
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _settle(self) -> None:
        """Commit the session's pending work before a step runs on its own connection."""
        if self._session is not None:
            self._session.commit()
