"""Keeping a step's statements from ending the transaction the step runs in.

A ``COMMIT`` sent as SQL would commit half a step behind the runner's back: the runner would
roll back what is left, report the step as rolled back, and leave it pending over changes that
stayed (``--pretend`` would leave them in the real database). Two nets:

- before a statement is sent, it is read with a SQL tokenizer (sqlparse), so comments, case,
  whitespace and several statements in one string hide nothing, and refused if one of its
  statements ends, restarts or opens a transaction;
- after each statement, the driver is asked whether the step's transaction is still open
  (:meth:`.DialectImpl.transaction_open`), for what the first net cannot see (a statement the
  tokenizer did not recognise, a function of the database's that commits).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from sqlalchemy import event
from sqlalchemy.engine import Connection

from ..errors import TransactionEndedInStep

if TYPE_CHECKING:
    from ..dialects import DialectImpl

#: A statement none of whose words is one of these cannot control the transaction; reading it
#: with the tokenizer (which costs far more than this search on a long statement) is skipped.
_MAY_CONTROL = re.compile(
    r"\b(?:COMMIT|END|ROLLBACK|BEGIN|START|ABORT|PREPARE|AUTOCOMMIT)\b", re.IGNORECASE
)
#: MySQL and MariaDB run the body of these comments (``/*! ... */``, ``/*M! ... */``).
_EXECUTED_COMMENT = re.compile(r"^/\*M?!\d*(.*)\*/$", re.DOTALL)


def transaction_control(sql: str) -> str | None:
    """The words of the first statement of ``sql`` that would end, restart or open the
    transaction around it, or None if there is none."""
    if not _MAY_CONTROL.search(sql):
        return None
    # Imported here: only a run whose steps send SQL pays for the tokenizer.
    from sqlparse import tokens
    from sqlparse.engine import FilterStack

    for statement in FilterStack().run(sql):  # type: ignore[no-untyped-call]
        words: list[str] = []
        for token in statement.flatten():
            if token.ttype in tokens.Comment:
                executed = _EXECUTED_COMMENT.match(token.value.strip())
                if executed:
                    found = transaction_control(executed.group(1))
                    if found:
                        return found
                continue
            if token.is_whitespace or token.ttype is tokens.Punctuation:
                continue
            words.append(token.normalized.upper())
            if len(words) == 3 and words[0] != "SET":
                break
        found = _controls(words)
        if found:
            return found
    return None


def _controls(words: list[str]) -> str | None:
    if not words:
        return None
    first, rest = words[0], words[1:]
    if first in ("COMMIT", "END", "ABORT"):
        return " ".join(words[:3] if "CHAIN" in words else words[:1])
    if first == "ROLLBACK":
        # ROLLBACK TO a savepoint keeps the transaction: the session's own rollback sends it.
        after = rest[1:] if rest[:1] in (["WORK"], ["TRANSACTION"]) else rest
        return None if after[:1] == ["TO"] else "ROLLBACK"
    if first == "BEGIN":
        # MariaDB's compound statement, whose BEGIN opens a block, not a transaction.
        return None if rest[:2] == ["NOT", "ATOMIC"] else "BEGIN"
    if first in ("START", "PREPARE") and rest[:1] == ["TRANSACTION"]:
        return f"{first} TRANSACTION"
    if first == "SET" and "AUTOCOMMIT" in (word.strip("@.`") for word in rest):
        return "SET autocommit"  # MySQL commits the transaction when it is switched on
    return None


def refuse_transaction_control(
    conn: Connection, cursor: object, statement: str, *args: object
) -> None:
    """Before a statement of a step in a transaction: refuse it if it controls transactions."""
    found = transaction_control(statement)
    if found is not None:
        raise TransactionEndedInStep(
            f"The migration sent {found}, which would end the transaction its step runs in: "
            "its changes commit with its tracking row when it succeeds, or not at all. "
            "Remove it; for statements that must commit on their own, set "
            "transactional = False on the migration."
        )


class StepGuard:
    """Both nets on one connection: registered once, first of its listeners, and armed for
    each step (registering them for every step cost more than the step's own statement).

    ``refusing``: statements that control transactions are refused; ``impl`` (when set)
    checks after each statement that the step's transaction is still open.
    """

    def __init__(self) -> None:
        self.refusing = False
        self.impl: DialectImpl | None = None
        #: The error raised when the transaction was found ended: the one to report.
        self.tripped: TransactionEndedInStep | None = None

    @classmethod
    def on(cls, conn: Connection) -> StepGuard:
        """The guard of ``conn``, its listeners registered the first time."""
        guard = _GUARDS.get(conn)
        if guard is None:
            guard = _GUARDS[conn] = cls()
            event.listen(conn, "before_cursor_execute", guard.before, insert=True)
            event.listen(conn, "after_cursor_execute", guard.after, insert=True)
        return guard

    @contextmanager
    def armed(self, *, refusing: bool, impl: DialectImpl | None) -> Iterator[StepGuard]:
        """Around one step: the nets as asked, and both off again afterwards."""
        self.refusing, self.impl, self.tripped = refusing, impl, None
        try:
            yield self
        finally:
            self.refusing, self.impl = False, None

    @contextmanager
    def lowered(self) -> Iterator[None]:
        """The runner's own BEGIN, sent while a step runs, is let through."""
        refusing, self.refusing = self.refusing, False
        try:
            yield
        finally:
            self.refusing = refusing

    def before(self, conn: Connection, cursor: object, statement: str, *args: object) -> None:
        if self.refusing:
            refuse_transaction_control(conn, cursor, statement)

    def after(self, conn: Connection, cursor: object, statement: str, *args: object) -> None:
        impl = self.impl
        if impl is None or impl.transaction_open(conn) is not False:
            return
        sql = " ".join(statement.split())
        self.tripped = TransactionEndedInStep(
            f"The transaction the step runs in ended after one of its statements "
            f"({sql[:120]}): what the step had done before it may have been committed, "
            "and cannot be rolled back. Check the database. Remove the statement; for "
            "statements that must commit on their own, set transactional = False on the "
            "migration.",
            committed=True,
        )
        raise self.tripped


_GUARDS: WeakKeyDictionary[Connection, StepGuard] = WeakKeyDictionary()
