"""The session a migration's ``up()`` and ``down()`` receive, bound to the runner's connection.

Where the runner's transaction can hold a savepoint (SQLite, PostgreSQL), ``session.rollback()``
undoes what the migration did since it began or since its last ``session.commit()``, and
neither ends the migration's transaction. A step with a transaction of its own needs no
savepoint for that (``StepSession``): rolling back the step's transaction and beginning
it again undoes the same, and saves two round trips a step. Where statements commit on their
own (MySQL and MariaDB DDL, a migration with ``transactional = False``) there is nothing to roll
back to, so ``session.rollback()`` refuses with an error that says so instead of SQLAlchemy's
complaint about a closed transaction.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from contextlib import suppress
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.engine import Connection

from ..dialects.base import JoinMode
from ..errors import RollbackUnavailable
from .transaction_guard import StepGuard

if TYPE_CHECKING:
    from sqlmodel import Session

    from ..dialects import DialectImpl


def run_step(
    conn: Connection,
    join_mode: JoinMode,
    step: Callable[[Any], object],
    *,
    in_transaction: bool = True,
    impl: DialectImpl | None = None,
    restart: Callable[[], object] | None = None,
) -> None:
    """Run ``up()`` or ``down()`` with a new session; what it left pending is committed.

    ``in_transaction``: the step runs inside the runner's transaction, which a statement of
    its own must not end (see :mod:`.transaction_guard`); ``impl`` checks after each
    statement that it did not. ``restart``: the transaction was begun for this step alone,
    just before, and ``restart`` begins it again; the session then takes no savepoint.
    """
    session: Session
    own: Any = None
    if restart is not None and join_mode == "create_savepoint":
        session = own = _step_session_class()(conn, restart)
    else:
        session = _session_class(join_mode)(bind=conn, join_transaction_mode=join_mode)
    guard = StepGuard.on(conn)
    # The guard's listeners come first: before the watch counts the statement as
    # committing, and before a rehearsal records it and sends a stand-in.
    with guard.armed(refusing=in_transaction, impl=impl if in_transaction else None):
        try:
            result = step(session)
            _refuse_deferred_work(step, result)
            if own is not None:
                own.finish()
            else:
                session.commit()  # what the migration left pending belongs to it
        except BaseException:
            if guard.tripped is not None:
                # The session's savepoint went with the transaction: its rollback would fail
                # and hide why.
                with suppress(Exception):
                    session.close()
                raise guard.tripped from None
            raise
        finally:
            session.close()


def _refuse_deferred_work(step: Callable[[Any], object], result: object) -> None:
    """A step that handed back a coroutine or a generator did none of its work: fail it.

    Recorded as applied, it would never run (a decorated ``async def``, a ``yield`` the
    loader could not see, an async helper returned without ``await``).
    """
    if inspect.isawaitable(result) or inspect.isgenerator(result):
        close = getattr(result, "close", None)
        if callable(close):
            close()  # no "never awaited" warning on top of our error
        kind = "a generator" if inspect.isgenerator(result) else "an awaitable"
        raise TypeError(
            f"{getattr(step, '__qualname__', 'the step')}() returned {kind} instead of doing "
            "its work: a migration step must be a plain def that runs its statements (it is "
            "called, never awaited or iterated)"
        )


@cache
def _step_session_class() -> type[Any]:
    from sqlmodel import Session

    class StepSession(Session):
        """A session in a step's own transaction that acts as if it held a savepoint.

        SQLAlchemy's ``create_savepoint`` sends SAVEPOINT before the session's first statement
        and RELEASE at its commit, though hardly any migration rolls back. Here the session
        joins the step's transaction (``rollback_only``): a rollback before any commit rolls
        back that transaction, which holds only this session's work, and begins it again.
        After a commit the session's next use takes a savepoint, as SQLAlchemy's would, so a
        later rollback keeps what was committed: only that path pays for one. The events
        catch every route (``commit()``, ``rollback()``, a ``with session.begin():`` block).
        """

        def __init__(self, conn: Connection, restart: Callable[[], object]) -> None:
            super().__init__(bind=conn, join_transaction_mode="rollback_only")
            self.step_connection = conn
            self.restart = restart
            self.mark: Any = None  # the savepoint what follows a commit runs in
            self.mark_due = False

        def finish(self) -> None:
            """The step is done: what it left pending is written, its savepoint released.

            A flush, not a commit: the step's transaction commits with its row, and the
            session is closed next."""
            self.mark_due = False
            self.flush()
            if self.mark is not None and self.mark.is_active:
                self.mark.commit()

    @event.listens_for(StepSession, "after_commit")
    def committed(session: StepSession) -> None:
        session.mark_due = True

    @event.listens_for(StepSession, "after_rollback")
    def rolled_back(session: StepSession) -> None:
        conn = session.step_connection
        if session.mark is not None and not session.mark.is_active:
            session.mark, session.mark_due = None, True  # back to the last commit
        elif not conn.in_transaction():  # back to the step's start: its transaction again
            with StepGuard.on(conn).lowered():
                session.restart()

    @event.listens_for(StepSession, "after_transaction_create")
    def take_mark(session: StepSession, transaction: Any) -> None:
        if session.mark_due and transaction.parent is None:
            session.mark_due = False
            session.mark = session.step_connection.begin_nested()

    return StepSession


@cache
def _session_class(join_mode: JoinMode) -> type[Session]:
    # sqlmodel (and pydantic with it) is imported only once a migration actually runs.
    from sqlmodel import Session

    if join_mode == "create_savepoint":
        return Session

    class NoSavepointSession(Session):
        def rollback(self) -> None:
            raise RollbackUnavailable(
                "session.rollback() cannot be used in this migration: on MySQL and MariaDB, "
                "and in a migration with transactional = False, statements commit on their "
                "own, so there is no savepoint to roll back to. Raise an exception instead: "
                "the migration fails, and what had not committed is rolled back."
            )

    return NoSavepointSession
