"""MySQL and MariaDB: DDL commits on its own, and locks are server-wide named locks."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from ..errors import MigrationError
from ..lock import lock_name, lock_timeout_error
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


def _error_code(orig: BaseException | None) -> int | None:
    """The server's error number: ``errno`` (mysql-connector), else ``args[0]`` (PyMySQL,
    mysqlclient)."""
    code = getattr(orig, "errno", None)
    if code is None and orig is not None and orig.args:
        code = orig.args[0]
    return code if isinstance(code, int) else None
