"""The tracking table's digest: one row saying which names are applied, for the startup check.

The companion table ``<tracking table>_digest`` holds one row: the digest of the tracking
table's names (:func:`.names_digest`), each row not ``applied`` marked with its state so that it
never matches a directory. The startup check reads that row and compares it with the
directory's digest: equal, nothing can be pending, missing, misnamed or stuck, and the check
is done in one query that reads one row however long the history. Otherwise it reads the
tracking table as before.

The row is cleared (NULL) by the first write of a change to the tracking table, in that
write's transaction, and computed again from the rows once the change is over, both under
the migration lock; a write to the tracking table outside such a change clears it too. A
process that dies in between leaves it NULL, which matches nothing: the checks read the
tracking table until the next run that changes something. On MySQL and MariaDB, whose DDL
commits on its own, a step's ``failed`` row is written after the row was cleared, so it is seen.
The table is created with the tracking table, or added to an older one by the first run that
changes something; until then the check reads the tracking table.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from ..files.listing import names_digest
from ..states import APPLIED


def digest_table_name(tracking: str) -> str:
    """The companion table of the tracking table ``tracking``: part of it, never a model's."""
    return f"{tracking}_digest"


class DigestTable:
    """The one-row companion of the tracking table called ``tracking``."""

    def __init__(self, tracking: str) -> None:
        self.tracking = tracking
        self.name = digest_table_name(tracking)
        #: Whether a clear has committed since the change began (see :meth:`clear_once`).
        self.cleared = False
        self._pending = False  # cleared in the transaction now open

    def read(self, conn: Connection) -> str | None:
        """The stored digest; None when it is cleared or there is no table or row yet."""
        quote = conn.dialect.identifier_preparer.quote
        # Naming the tracking table too: dropped by hand, its digest must not answer for it.
        sql = (
            f"SELECT digest FROM {quote(self.name)} WHERE id = 1 AND NOT EXISTS "
            f"(SELECT name FROM {quote(self.tracking)} WHERE 1 = 0)"
        )
        try:
            with conn.begin():
                value = conn.exec_driver_sql(sql).scalar()
        except DBAPIError:
            return None
        return None if value is None else str(value)

    def is_ready(self, conn: Connection, columns: str) -> bool:
        """Whether this table has its row and the tracking table all its ``columns``, in one
        query (the one :func:`.is_complete` sends, joined with this table's)."""
        quote = conn.dialect.identifier_preparer.quote
        sql = (
            f"SELECT id FROM {quote(self.name)} WHERE id = 1 AND NOT EXISTS "
            f"(SELECT {columns} FROM {quote(self.tracking)} WHERE 1 = 0)"
        )
        try:
            with conn.begin():
                return conn.exec_driver_sql(sql).first() is not None
        except DBAPIError:
            return False

    def ensure(self, conn: Connection) -> None:
        """Create the table with its row (cleared), unless it exists. Under the lock."""
        quote = conn.dialect.identifier_preparer.quote
        try:
            with conn.begin():
                found = conn.exec_driver_sql(f"SELECT id FROM {quote(self.name)}").first()
        except DBAPIError:
            options = " ENGINE=InnoDB DEFAULT CHARSET=ascii" if conn.dialect.name in _MYSQL else ""
            with conn.begin():
                conn.exec_driver_sql(
                    f"CREATE TABLE {quote(self.name)} "
                    f"(id INTEGER NOT NULL PRIMARY KEY, digest VARCHAR(64)){options}"
                )
            found = None
        if found is None:
            with conn.begin():
                conn.exec_driver_sql(f"INSERT INTO {quote(self.name)} (id) VALUES (1)")

    def clear(self, conn: Connection) -> None:
        """Clear the digest in the caller's transaction (the table exists: ensured)."""
        quote = conn.dialect.identifier_preparer.quote
        conn.exec_driver_sql(f"UPDATE {quote(self.name)} SET digest = NULL WHERE id = 1")

    @contextmanager
    def changing(self, conn: Connection, *, refresh: bool = False) -> Iterator[None]:
        """A change of the tracking table's rows: a clear counts once its transaction commits.
        ``refresh``: the digest is computed again at the end even if nothing was written."""
        self.cleared, self._pending = refresh, False

        def committed(_: Connection) -> None:
            self.cleared = self.cleared or self._pending
            self._pending = False

        def rolled_back(_: Connection) -> None:
            self._pending = False

        event.listen(conn, "commit", committed)
        event.listen(conn, "rollback", rolled_back)
        try:
            yield
        finally:
            event.remove(conn, "commit", committed)
            event.remove(conn, "rollback", rolled_back)

    def clear_once(self, conn: Connection) -> None:
        """Clear the digest in the caller's transaction, the first write of a change, until
        one such transaction commits: no transaction of its own, and one statement a run."""
        if not (self.cleared or self._pending):
            self.clear(conn)
            self._pending = True

    def store(self, conn: Connection) -> None:
        """Compute the digest from the tracking table's rows as they are now, and keep it."""
        quote = conn.dialect.identifier_preparer.quote
        with conn.begin():
            rows = conn.exec_driver_sql(f"SELECT name, state FROM {quote(self.tracking)}").all()
            digest = names_digest(
                name if (state or APPLIED) == APPLIED else f"{name}\0{state}"
                for name, state in rows
            )
            conn.execute(
                text(f"UPDATE {quote(self.name)} SET digest = :digest WHERE id = 1"),
                {"digest": digest},
            )


_MYSQL = ("mysql", "mariadb")
