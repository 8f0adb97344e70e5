"""What differs per database, behind one small interface (:class:`DialectImpl`)."""

from __future__ import annotations

import importlib

from sqlalchemy.engine import Connection

from .base import DialectImpl, missing_guarantees

#: SQLAlchemy dialect name -> (module, class) of our implementation, imported on first use.
_IMPLEMENTATIONS = {
    "sqlite": ("sqlite", "SQLiteImpl"),
    "postgresql": ("postgresql", "PostgreSQLImpl"),
    "mysql": ("mysql", "MySQLImpl"),
    "mariadb": ("mysql", "MySQLImpl"),
}


def is_supported(dialect_name: str) -> bool:
    """Whether the database is one we implement: transactions, statements and a lock."""
    return dialect_name in _IMPLEMENTATIONS


def dialect_for(conn: Connection) -> DialectImpl:
    """The implementation for the database behind ``conn``; a conservative one if unknown."""
    name = conn.dialect.name
    if name in _IMPLEMENTATIONS:
        module, class_name = _IMPLEMENTATIONS[name]
        impl_class: type[DialectImpl] = getattr(
            importlib.import_module(f"{__name__}.{module}"), class_name
        )
        return impl_class()
    unknown = DialectImpl()
    unknown.name = unknown.display_name = name
    return unknown


__all__ = ["DialectImpl", "dialect_for", "is_supported", "missing_guarantees"]
