"""The interface every dialect implements, with the defaults of a database we do not know.

Those defaults promise nothing the database may not keep, as Alembic's default dialect does:
DDL is taken to commit on its own (a step is recorded as running before it starts, and a
failure part-way leaves it visibly failed), every statement may commit, and there is no
cross-process lock. :func:`missing_guarantees` says so to the user.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal

from sqlalchemy import event
from sqlalchemy.engine import Connection, RootTransaction
from sqlalchemy.exc import DBAPIError

from ..errors import SUPPORTED_DATABASES, TransactionEndedInStep

JoinMode = Literal["create_savepoint", "rollback_only"]

#: Told who holds the migration lock (None if the database cannot say) when a run must wait.
WaitCallback = Callable[[str | None], None]


class DialectImpl:
    """Transactions and locking for one kind of database."""

    name = "default"
    #: How messages name the database.
    display_name = "this database"

    #: Whether a database of this kind is one we implement and test.
    supported = False

    #: True where CREATE/ALTER/DROP roll back with the transaction around them. Where they do
    #: not, the executor records a migration as running before it starts.
    transactional_ddl = False

    #: How a migration's session joins the run's transaction. With ``create_savepoint`` the
    #: migration's own ``session.commit()`` only releases a savepoint; ``rollback_only`` is for
    #: databases where DDL may end the transaction, savepoints with it.
    join_transaction_mode: JoinMode = "rollback_only"

    #: Whether :meth:`locked` excludes other processes.
    cross_process_lock = False

    @contextmanager
    def prepared(self, conn: Connection) -> Iterator[None]:
        """Set the connection up for running migrations, and put it back afterwards."""
        yield

    @contextmanager
    def running_steps(self, conn: Connection) -> Iterator[None]:
        """Around the steps of a run, outside any transaction; see :meth:`check_before_commit`."""
        yield

    @contextmanager
    def strict_data(self, conn: Connection) -> Iterator[None]:
        """Around the steps of a run, outside any transaction: a value a step's statement
        would have to cut or change to fit its column makes the statement fail instead."""
        yield

    def check_before_commit(self, conn: Connection) -> None:
        """After a step, inside its transaction: refuse to commit what :meth:`running_steps`
        left unchecked while the step ran."""

    def begin(self, conn: Connection) -> RootTransaction:
        """Begin the transaction one migration and its tracking row run in."""
        return conn.begin()

    @contextmanager
    def autocommit(self, conn: Connection) -> Iterator[None]:
        """Every statement commits on its own, for a migration that opted out of transactions."""
        # At the driver level: the run's connection is detached from the pool, and
        # Connection.execution_options() needs a pool record to reset the level on return.
        dbapi_connection = driver_connection(conn)
        conn.dialect.set_isolation_level(dbapi_connection, "AUTOCOMMIT")
        try:
            yield
        finally:
            if not (conn.closed or conn.invalidated):
                conn.dialect.reset_isolation_level(dbapi_connection)

    @contextmanager
    def locked(
        self, conn: Connection, table: str, timeout: float, on_wait: WaitCallback | None = None
    ) -> Iterator[None]:
        """Hold the migration lock for ``table`` on this database, waiting up to ``timeout``.

        When another process holds it, ``on_wait`` hears who before the wait begins.
        """
        # An unknown database gets no cross-process lock: missing_guarantees() says so.
        yield

    def commits_on_its_own(self, statement: str) -> bool:
        """Whether ``statement`` commits whatever the transaction around it does."""
        return first_word(statement) not in _TRANSACTION_CONTROL | {"SELECT"}

    def refused_in_a_transaction(self, error: BaseException) -> bool:
        """Whether ``error`` is the database refusing a statement inside a transaction."""
        return False

    def transaction_open(self, conn: Connection) -> bool | None:
        """Whether the driver says the transaction begun on ``conn`` is still open; None
        where it cannot tell (or where statements end it as a matter of course)."""
        return None

    def refused_unrun(self, error: DBAPIError) -> bool:
        """Whether the statement that failed with ``error`` changed nothing at all.

        Asked of a statement that counted as committing when it started (one that
        ``commits_on_its_own``, or any statement run without a transaction). An unknown
        database gets no benefit of the doubt.
        """
        return False

    def stopped_after_implicit_commit(self, error: DBAPIError) -> bool:
        """Whether the statement that failed with ``error`` did nothing but commit what its
        transaction held before it (a DDL statement that gave up waiting for its lock)."""
        return False

    # -- A dead client ---------------------------------------------------------------------

    def notice_dead_client(self, conn: Connection, check_interval: float) -> str | None:
        """Have the server end this session soon after its client dies or its host vanishes,
        even in the middle of a statement, checking every ``check_interval`` seconds.

        The server then frees the migration lock at once instead of when the statement
        ends. Returns a note for the user when the database cannot do it.
        """
        return None

    # -- Lock waits --------------------------------------------------------------------------

    @contextmanager
    def statement_lock_timeout(self, conn: Connection, seconds: float) -> Iterator[None]:
        """Meanwhile, a statement waits at most ``seconds`` for a lock another session holds."""
        yield

    def lock_not_obtained(self, error: DBAPIError) -> bool:
        """Whether ``error`` is a statement giving up waiting for a lock."""
        return False

    def lock_wait_limit(self, conn: Connection) -> float | None:
        """Seconds a statement on ``conn`` waits for a lock before giving up, where the
        database says (None: it does not, or waits for ever)."""
        return None

    #: Whether :meth:`blockers` can say which sessions a waiting session waits for.
    names_blockers = False

    def session_id(self, conn: Connection) -> int | None:
        """The server's id of the session behind ``conn``, for :meth:`blockers`."""
        return None

    def blockers(self, conn: Connection, session_id: int) -> tuple[str, ...]:
        """The sessions that session ``session_id`` is waiting for, described, asked on
        another connection ``conn``."""
        return ()


def missing_guarantees(impl: DialectImpl) -> str | None:
    """What a run on an unsupported database does not guarantee, for a warning; else None."""
    if impl.supported:
        return None
    return (
        f"flask-herogold-migrate does not support the {impl.name} database (it supports "
        f"{SUPPORTED_DATABASES}): no migration lock keeps two runs apart, so run one at a time; "
        "and every statement is taken to commit on its own, so a migration that fails "
        "part-way is left recorded as failed, for migrate:repair."
    )


def split_statements(sql: str) -> list[str]:
    """The statements of ``sql``, split at semicolons outside quotes.

    Comments and dollar quoting are not understood (a semicolon in them splits, which only
    makes a caller that treats several statements with care more careful), nor strings where
    a backslash is no escape (PostgreSQL's standard ones, ending in a backslash: rare).
    """
    parts, start, quote, i = [], 0, "", 0
    while i < len(sql):
        char = sql[i]
        if quote:
            if char == "\\" and quote != "`":
                i += 1  # an escaped character, the quote included
            elif char == quote:
                quote = ""
        elif char in "'\"`":
            quote = char
        elif char == ";":
            parts.append(sql[start:i])
            start = i + 1
        i += 1
    parts.append(sql[start:])
    return [part for part in parts if part.strip()]


def first_word(statement: str) -> str:
    words = statement.lstrip(" \t\r\n(").split(None, 1)
    return words[0].upper() if words else ""


#: Statements that open or end no more than a transaction: without one around the statements
#: (a recipe's BEGIN from an event, say), they change nothing.
_TRANSACTION_CONTROL = frozenset({"BEGIN", "START", "SAVEPOINT", "RELEASE", "ROLLBACK"})
#: Statements that leave nothing for a commit to keep.
_READS = _TRANSACTION_CONTROL | {"SELECT", "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "SET"}


def driver_connection(conn: Connection) -> Any:
    """The DB-API connection under ``conn`` (the run's connection always has one)."""
    dbapi_connection = conn.connection.dbapi_connection
    assert dbapi_connection is not None, "the run's connection was closed"
    return dbapi_connection


class StatementWatch:
    """Notes whether something committed while the watch was entered.

    A statement that ``commits_on_its_own``, and with ``autocommit`` (no transaction around
    the statements) every statement, counts as soon as it starts: it may commit what came
    before it, or part of itself (a failed ``CREATE INDEX CONCURRENTLY`` leaves an invalid
    index), even if it fails. It is taken back only when it fails with an error the dialect
    says it ``refused_unrun``, or one it ``stopped_after_implicit_commit`` when no statement
    that writes ran before it.
    """

    def __init__(self, conn: Connection, impl: DialectImpl, *, autocommit: bool = False) -> None:
        self._conn = conn
        self._commits_on_its_own = impl.commits_on_its_own
        self._refused_unrun = impl.refused_unrun
        self._stopped_after_implicit_commit = impl.stopped_after_implicit_commit
        self._autocommit = autocommit
        self.committed = False
        #: The statement that made ``committed`` true as it started, until it succeeds.
        self._unfinished: str | None = None
        #: Whether a statement that may write ran before the first one that counted: an
        #: implicit commit would have committed it.
        self._wrote_before = False

    def _before_execute(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # A statement before this one that never finished failed, and the migration went on:
        # its error is not known, so it stays counted.
        self._unfinished = None
        counts = self._autocommit and first_word(statement) not in _TRANSACTION_CONTROL
        if not self.committed and (counts or self._commits_on_its_own(statement)):
            self.committed = True
            self._unfinished = statement
        elif not self.committed and first_word(statement) not in _READS:
            self._wrote_before = True

    def _after_execute(self, *args: Any) -> None:
        self._unfinished = None

    def _refused(self, error: BaseException | None) -> bool:
        """Whether ``error``, or one it was raised from, is the unfinished statement's, which
        left nothing committed."""
        seen: set[int] = set()
        while error is not None and id(error) not in seen:
            seen.add(id(error))
            if isinstance(error, TransactionEndedInStep):
                return True  # refused before it was sent
            if isinstance(error, DBAPIError) and error.statement == self._unfinished:
                return self._refused_unrun(error) or (
                    not self._wrote_before and self._stopped_after_implicit_commit(error)
                )
            error = error.__cause__ or error.__context__
        return False

    def __enter__(self) -> StatementWatch:
        event.listen(self._conn, "before_cursor_execute", self._before_execute)
        event.listen(self._conn, "after_cursor_execute", self._after_execute)
        return self

    def __exit__(self, exc_type: object, error: BaseException | None, traceback: object) -> None:
        event.remove(self._conn, "before_cursor_execute", self._before_execute)
        event.remove(self._conn, "after_cursor_execute", self._after_execute)
        if self._unfinished is not None and self._refused(error):
            self.committed = False  # it was the first to count, and it committed nothing
