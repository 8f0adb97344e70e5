"""One way the models differ from the database, as ``migrate:check`` and autogenerate show it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: The kinds whose ``name`` is a column of ``table``: shown as ``table.name``.
_COLUMN_KINDS = ("+ column", "- column", "~ column")


@dataclass(frozen=True)
class Difference:
    """One way the models differ from the database."""

    #: What differs, readable: ``"+ table"``, ``"- column"``, ``"~ column"``, ``"+ index"``,
    #: ``"+ unique"``, ``"+ foreign key"``, ``"~ enum"``, ... (``+`` in the models only,
    #: ``-`` in the database only, ``~`` in both but not alike).
    kind: str
    table: str | None
    name: str | None
    #: How, when the kind and the names do not say it all: ``"VARCHAR(100) -> VARCHAR(255)"``.
    detail: str = ""

    def describe(self) -> str:
        """One line: ``~ column users.email: VARCHAR(100) -> VARCHAR(255)``."""
        if self.kind in _COLUMN_KINDS:
            subject: str | None = f"{self.table}.{self.name}"
        elif self.kind.endswith(" table"):
            subject = self.table
        else:
            subject = self.name
        if subject is None:
            return f"{self.kind} {self.detail}".rstrip()
        return f"{self.kind} {subject}" + (f": {self.detail}" if self.detail else "")

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "table": self.table, "name": self.name, "detail": self.detail}
