"""What differs per database, behind one small interface (:class:`DialectImpl`)."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from .base import DialectImpl


def dialect_for(conn: Connection) -> DialectImpl:
    """The implementation for the database behind ``conn``."""
    name = conn.dialect.name
    if name == "sqlite":
        from .sqlite import SQLiteImpl

        return SQLiteImpl()
    if name == "postgresql":
        from .postgresql import PostgreSQLImpl

        return PostgreSQLImpl()
    if name in ("mysql", "mariadb"):
        from .mysql import MySQLImpl

        return MySQLImpl()
    return DialectImpl()


__all__ = ["DialectImpl", "dialect_for"]
