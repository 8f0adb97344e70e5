"""The interface every dialect implements, with the defaults of a database like PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from sqlalchemy.engine import Connection, RootTransaction


class DialectImpl:
    """Transactions and locking for one kind of database."""

    name = "default"

    #: True where CREATE/ALTER/DROP roll back with the transaction around them. Where they do
    #: not, the runner records a migration as running before it starts (see ``runner``).
    transactional_ddl = True

    #: How a migration's session joins the runner's transaction. With ``create_savepoint`` the
    #: migration's own ``session.commit()`` only releases a savepoint.
    join_transaction_mode: Literal["create_savepoint", "rollback_only"] = "create_savepoint"

    @contextmanager
    def prepared(self, conn: Connection) -> Iterator[None]:
        """Set the connection up for running migrations, and put it back afterwards."""
        yield

    def begin(self, conn: Connection) -> RootTransaction:
        """Begin the transaction one migration and its tracking row run in."""
        return conn.begin()

    @contextmanager
    def locked(self, conn: Connection, table: str, timeout: float) -> Iterator[None]:
        """Hold the migration lock for ``table`` on this database, waiting up to ``timeout``."""
        # An unknown database gets no cross-process lock; say so rather than pretend.
        yield

    def ddl_watch(self, conn: Connection) -> DDLWatch:
        """Tells afterwards whether statements that commit on their own were run."""
        return DDLWatch()


class DDLWatch:
    """Where DDL is transactional nothing commits behind the runner's back."""

    committed_implicitly = False

    def __enter__(self) -> DDLWatch:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None
