"""MySQL and MariaDB: DDL commits on its own, and locks are server-wide named locks."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from ..errors import MigrationError
from ..runtime.lock import lock_name, lock_timeout_error
from .base import DialectImpl, WaitCallback, first_word, split_statements

# Statements that neither commit implicitly nor end the transaction. Anything else (CREATE,
# ALTER, DROP, RENAME, TRUNCATE, LOCK, ...) may commit what came before it.
_TRANSACTIONAL = frozenset(
    {
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
        "REPLACE",
        "WITH",
        "SAVEPOINT",
        "RELEASE",
        "ROLLBACK",
        "SHOW",
        "DESCRIBE",
        "DESC",
        "EXPLAIN",
        "SET",
        "DO",
        # Not CALL: a procedure may run DDL, which commits.
        "VALUES",
        "TABLE",
    }
)

#: ER_PARSE_ERROR: the server could not parse the statement, so it never began to run it, nor
#: reached its implicit commit [verified on MariaDB 10.11: an UPDATE before "ALTER TABL ..."
#: rolls back]. Not ER_SYNTAX_ERROR (1149), raised while a BINLOG statement runs, nor 1059
#: or 1103 (a name too long or invalid): the parser raises them, but so can DDL that already
#: committed (MySQL 8 raises 1059 for a generated foreign key name, "<table>_ibfk_1").
_ER_PARSE_ERROR = 1064
#: ER_LOCK_WAIT_TIMEOUT: lock_wait_timeout (metadata locks, which DDL waits for) or
#: innodb_lock_wait_timeout (row locks) ran out.
_ER_LOCK_WAIT_TIMEOUT = 1205
#: Statements of one object that a failure leaves as they found it. Not DROP or RENAME,
#: which name several tables and may have done some when they fail.
_FAILS_WHOLE = frozenset({"ALTER", "CREATE"})
#: Error numbers from here on are the client library's (2013: connection lost), not the
#: server's.
_FIRST_CLIENT_ERROR = 2000


class MySQLImpl(DialectImpl):
    name = "mysql"
    display_name = "MySQL or MariaDB"
    supported = True
    cross_process_lock = True
    transactional_ddl = False
    # Savepoints vanish when DDL commits implicitly, so a savepoint-backed session would fail
    # on its next RELEASE; the migration's commit() is simply not propagated instead.
    join_transaction_mode = "rollback_only"

    @contextmanager
    def locked(
        self, conn: Connection, table: str, timeout: float, on_wait: WaitCallback | None = None
    ) -> Iterator[None]:
        with conn.begin():
            database = conn.execute(text("SELECT DATABASE()")).scalar() or ""
        # Lock names are server-wide, so the database is part of the name.
        name = lock_name(database, table)
        got = self._get_lock(conn, name, 0)
        if got == 0 and timeout > 0:
            if on_wait is not None:
                on_wait(self._holder(conn, name))
            got = self._get_lock(conn, name, timeout)
        if got is None:
            raise MigrationError(f"The server refused the migration lock {name!r}.")
        if got == 0:
            raise lock_timeout_error(timeout, self._holder(conn, name))
        try:
            yield
        finally:
            if not (conn.invalidated or conn.closed):
                with conn.begin():
                    conn.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": name})

    def commits_on_its_own(self, statement: str) -> bool:
        # Several statements in one string (mysqlclient allows them): any one may commit.
        return any(first_word(part) not in _TRANSACTIONAL for part in split_statements(statement))

    def refused_unrun(self, error: DBAPIError) -> bool:
        statements = split_statements(str(error.statement or ""))
        # With multiple statements on (mysqlclient's default), those before the one that
        # failed ran; a procedure may have run DDL before its own error, a parse error too.
        if len(statements) != 1 or first_word(statements[0]) == "CALL":
            return False
        if _error_code(error.orig) == _ER_PARSE_ERROR:
            return True
        # A statement that does not commit on its own is undone whole by InnoDB when it fails.
        return not self.commits_on_its_own(statements[0])

    def stopped_after_implicit_commit(self, error: DBAPIError) -> bool:
        # DDL commits the open transaction, then waits for its metadata lock; giving up there,
        # it changed nothing itself [verified on MariaDB 10.11: an INSERT before an ALTER
        # TABLE that timed out stays committed, and the table is unchanged].
        #
        # So does an ALTER or a CREATE the server refused: it commits first, then fails whole
        # (a strict-mode truncation, a duplicate column; MariaDB and MySQL 8 undo a failed
        # one, and before them the copy it worked on was dropped). The error must be the
        # server's: a client that lost its connection cannot know how far the statement got.
        statements = split_statements(str(error.statement or ""))
        if len(statements) != 1 or first_word(statements[0]) == "CALL":
            return False
        code = _error_code(error.orig)
        if code == _ER_LOCK_WAIT_TIMEOUT:
            return True
        return (
            first_word(statements[0]) in _FAILS_WHOLE
            and code is not None
            and code < _FIRST_CLIENT_ERROR
        )

    # MariaDB has no way to stop a statement whose client died: see docs/deploying.rst for
    # what it does (notice_dead_client keeps the default).

    @contextmanager
    def statement_lock_timeout(self, conn: Connection, seconds: float) -> Iterator[None]:
        # Both waits: metadata locks (DDL) and row locks (data). Whole seconds, at least 1:
        # 0 would mean not waiting at all.
        whole = max(1, math.ceil(seconds))
        with conn.begin():
            saved = conn.execute(_LOCK_WAITS_NOW).one()
            conn.execute(_SET_LOCK_WAITS, {"metadata": whole, "rows": whole})
        try:
            yield
        finally:
            # The run's connection is closed after the run: putting it back is for tidiness,
            # and must not hide the error of a step.
            if not (conn.invalidated or conn.closed):
                with suppress(DBAPIError), conn.begin():
                    conn.execute(_SET_LOCK_WAITS, {"metadata": saved[0], "rows": saved[1]})

    @contextmanager
    def strict_data(self, conn: Connection) -> Iterator[None]:
        # Without a strict mode, an ALTER TABLE narrowing a column truncates what does not fit
        # (40 characters become 10, 'blue' leaves an ENUM as '') and only warns.
        with conn.begin():
            saved = str(conn.execute(text("SELECT @@SESSION.sql_mode")).scalar() or "")
        modes = [mode for mode in saved.split(",") if mode]
        if _STRICT_MODES & set(modes):
            yield
            return
        with conn.begin():
            conn.execute(_SET_SQL_MODE, {"mode": ",".join([*modes, "STRICT_TRANS_TABLES"])})
        try:
            yield
        finally:
            if not (conn.invalidated or conn.closed):
                with suppress(DBAPIError), conn.begin():
                    conn.execute(_SET_SQL_MODE, {"mode": saved})

    def lock_not_obtained(self, error: DBAPIError) -> bool:
        return _error_code(error.orig) == _ER_LOCK_WAIT_TIMEOUT

    def _get_lock(self, conn: Connection, name: str, timeout: float) -> int | None:
        with conn.begin():
            got: int | None = conn.execute(
                text("SELECT GET_LOCK(:name, :timeout)"),
                {"name": name, "timeout": max(0, math.ceil(timeout))},
            ).scalar()
        return got

    def _holder(self, conn: Connection, name: str) -> str | None:
        with conn.begin():
            holder = conn.execute(text("SELECT IS_USED_LOCK(:name)"), {"name": name}).scalar()
        return f"MySQL connection id {holder}" if holder else None


_STRICT_MODES = frozenset({"STRICT_TRANS_TABLES", "STRICT_ALL_TABLES"})
_SET_SQL_MODE = text("SET SESSION sql_mode = :mode")
_LOCK_WAITS_NOW = text("SELECT @@SESSION.lock_wait_timeout, @@SESSION.innodb_lock_wait_timeout")
_SET_LOCK_WAITS = text(
    "SET SESSION lock_wait_timeout = :metadata, SESSION innodb_lock_wait_timeout = :rows"
)


def _error_code(orig: BaseException | None) -> int | None:
    """The server's error number: ``errno`` (mysql-connector), else ``args[0]`` (PyMySQL,
    mysqlclient)."""
    code = getattr(orig, "errno", None)
    if code is None and orig is not None and orig.args:
        code = orig.args[0]
    return code if isinstance(code, int) else None
