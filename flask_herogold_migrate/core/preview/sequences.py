"""Which PostgreSQL sequences a rehearsal moved on.

``nextval()`` is not transactional: a rehearsed ``INSERT`` uses up sequence values that the
rollback leaves used. They are not set back: a value another session took while the
rehearsal ran cannot be told from the rehearsal's own, and ``setval()`` back would hand it
out a second time (a duplicate key, or a silently repeated number where nothing is unique).
A skipped value is harmless (a rolled-back transaction leaves the same gap), so the sequences
that moved are named instead, and the output never claims that nothing changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

from ..dialects import DialectImpl

_READ = text("SELECT schemaname, sequencename, last_value FROM pg_catalog.pg_sequences")

_Values = dict[tuple[str, str], int | None]


@dataclass(frozen=True)
class AdvancedSequence:
    """A sequence whose next value moved on while a rehearsal ran."""

    name: str
    #: Its last value before and after; None before: no value had been taken.
    before: int | None
    after: int | None

    def describe(self) -> str:
        return (
            f"{self.name} ({self.before if self.before is not None else 'unused'} -> {self.after})"
        )


@dataclass(frozen=True)
class SequenceValues:
    """The sequences' values when a rehearsal began."""

    before: _Values

    @classmethod
    def read(cls, conn: Connection, impl: DialectImpl) -> SequenceValues | None:
        """Read on the rehearsal's connection, inside its transaction; None where sequences
        roll back with it or there are none (every database but PostgreSQL)."""
        if impl.name != "postgresql":
            return None
        return cls(_read(conn))

    def advanced(self, conn: Connection) -> tuple[AdvancedSequence, ...]:
        """After the rollback: the sequences that existed before and moved on since."""
        after = _read(conn)
        return tuple(
            AdvancedSequence(f"{schema}.{name}", value, after[schema, name])
            for (schema, name), value in sorted(self.before.items())
            if (schema, name) in after and after[schema, name] != value
        )


def _read(conn: Connection) -> _Values:
    if conn.in_transaction():
        rows = conn.execute(_READ).all()
    else:
        with conn.begin():
            rows = conn.execute(_READ).all()
    return {(row[0], row[1]): row[2] for row in rows}
