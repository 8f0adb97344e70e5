"""Recording the statements a step sends, and, where asked, keeping them from the database.

A :class:`StatementCapture` listens to the run's connection (SQLAlchemy's
``before_cursor_execute`` event), so it sees each statement as the driver receives it, with
its parameters, whether it came from ``session.exec()``, the ORM or Alembic's operations.

With ``send=False`` nothing a step sends reaches the database: each statement is recorded,
then swapped for a query that returns no rows (``SELECT 1 WHERE 1 = 0``), which the driver runs
instead, without the parameters. That keeps every result well formed (a read finds no rows, a
write changes none) without a mock of the driver; the swap happens where the statement goes to
the cursor, which is a dialect event, so the capture listens there too for the duration.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.engine.interfaces import ExecuteStyle
from sqlalchemy.sql.elements import (
    ReleaseSavepointClause,
    RollbackToSavepointClause,
    SavepointClause,
)

#: The query sent instead of a statement that must not run, by SQLAlchemy dialect name.
_NO_ROWS = {
    "mysql": "SELECT 1 FROM DUAL WHERE 1 = 0",
    "mariadb": "SELECT 1 FROM DUAL WHERE 1 = 0",
    "oracle": "SELECT 1 FROM DUAL WHERE 1 = 0",
}
_NO_ROWS_DEFAULT = "SELECT 1 WHERE 1 = 0"

#: Reads of the schema catalogue, as Alembic's operations make to reflect a table (SQLite's
#: batch mode, above all): what the database is, not what the migration would change. They
#: are sent, even where nothing else is, and left out of the record.
_CATALOGUE_READ = re.compile(
    r"\s*(?:PRAGMA\s+(?![^;]*=)|SHOW\s|DESCRIBE\s|SELECT\s.*?\b(?:sqlite_master|"
    r"sqlite_temp_master|sqlite_schema|pg_catalog\.|information_schema\.))",
    re.IGNORECASE | re.DOTALL,
)

#: The session's own savepoints (a step's ``session.commit()``): the run's, not the step's.
_SAVEPOINTS = (SavepointClause, ReleaseSavepointClause, RollbackToSavepointClause)


@dataclass(frozen=True)
class CapturedStatement:
    """One statement as the driver received it, with one set of its parameters.

    ``params`` is what the driver got: a tuple or list for positional placeholders, a dict for
    named ones, empty for none. A statement run for several parameter sets at once
    (``executemany``) is recorded once per set.
    """

    sql: str
    params: Any


class StatementCapture:
    """Records every statement sent on ``conn`` while entered; with ``send=False`` sends none.

    The session's savepoints are left out of the record, but not out of the database.
    """

    def __init__(self, conn: Connection, *, send: bool = True) -> None:
        self._conn = conn
        self._send = send
        self._no_rows = _NO_ROWS.get(conn.dialect.name, _NO_ROWS_DEFAULT)
        self._quote = conn.dialect.identifier_preparer.quote_identifier
        #: The queries this capture sent in place of statements.
        self._placeholders: set[str] = set()
        self.statements: list[CapturedStatement] = []

    def __enter__(self) -> StatementCapture:
        event.listen(self._conn, "before_cursor_execute", self._record, retval=True)
        if not self._send:
            dialect = self._conn.dialect
            event.listen(dialect, "do_execute", self._instead)
            event.listen(dialect, "do_executemany", self._instead)
            event.listen(dialect, "do_execute_no_params", self._instead_no_params)
        return self

    def __exit__(self, *exc_info: object) -> None:
        event.remove(self._conn, "before_cursor_execute", self._record)
        if not self._send:
            dialect = self._conn.dialect
            event.remove(dialect, "do_execute", self._instead)
            event.remove(dialect, "do_executemany", self._instead)
            event.remove(dialect, "do_execute_no_params", self._instead_no_params)

    def _record(
        self,
        conn: Connection,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: Any,
        executemany: bool,
    ) -> tuple[str, Any]:
        if _CATALOGUE_READ.match(statement):
            return statement, parameters
        compiled = getattr(context, "compiled", None)
        if not isinstance(getattr(compiled, "statement", None), _SAVEPOINTS):
            # The INSERT of several rows in one statement ("insertmanyvalues") is flagged as
            # executemany too, but carries one parameter set: only EXECUTEMANY carries a list.
            many = executemany and getattr(context, "execute_style", None) is (
                ExecuteStyle.EXECUTEMANY
            )
            for params in parameters if many else [parameters]:
                self.statements.append(CapturedStatement(statement, _plain(params)))
        if self._send:
            return statement, parameters
        placeholder = self._placeholder(context)
        self._placeholders.add(placeholder)
        return placeholder, parameters

    def _placeholder(self, context: Any) -> str:
        """A query returning no rows, with the columns SQLAlchemy expects of ``statement``.

        Results are read by column name or position: with the same columns, an ORM query
        finds what it looks for, and simply no rows.
        """
        struct = getattr(context, "result_column_struct", None)
        names = [entry.keyname for entry in struct[0]] if struct else []
        if not names:
            return self._no_rows
        columns = ", ".join(f"NULL AS {self._quote(name)}" for name in names)
        return self._no_rows.replace("1", columns, 1)

    # The dialect events fire for every connection of the dialect: only the query this
    # capture put in place of a statement is acted on; every other statement goes on as usual.

    def _instead(self, cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
        return self._instead_no_params(cursor, statement, context)

    def _instead_no_params(self, cursor: Any, statement: str, context: Any) -> bool:
        if statement not in self._placeholders:
            return False
        cursor.execute(statement)  # once, with no parameters: it has no placeholders
        return True


def _plain(params: Any) -> Any:
    """A copy of one parameter set as a plain dict or tuple: the driver's may be reused."""
    if isinstance(params, Mapping):
        return dict(params)
    if isinstance(params, (list, tuple)):
        return tuple(params)
    return params
