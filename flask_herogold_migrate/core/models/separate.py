"""A foreign key from one model's MetaData to a table of another: said plainly.

SQLModel's ``table=True`` models register on ``SQLModel.metadata`` and Flask-SQLAlchemy's on
``db.metadata``; a foreign key resolves only within its own MetaData, so a SQLModel model
pointing at a Flask-SQLAlchemy one fails with SQLAlchemy's ``NoReferencedTableError``, which
names neither. Checked before anything is compared or written.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from ..errors import ConfigurationError

if TYPE_CHECKING:
    from sqlalchemy import MetaData


def refuse_unresolvable_foreign_keys(metadata: list[MetaData]) -> None:
    """Raise :class:`ConfigurationError` for a model foreign key whose table is not in its
    own MetaData, saying where the table is when another MetaData has it."""
    from sqlalchemy.exc import NoReferencedTableError

    owners = {key: md for md in metadata for key in md.tables}
    for md in metadata:
        for table in md.tables.values():
            for foreign_key in table.foreign_keys:
                try:
                    foreign_key.column  # noqa: B018  (resolving it is the check)
                except NoReferencedTableError as error:
                    column = f"{table.name}.{foreign_key.parent.name}"
                    other = owners.get(error.table_name)
                    if other is None:
                        raise ConfigurationError(
                            f"The model column {column} has a foreign key to the table "
                            f"{error.table_name}, which no model defines: import the module "
                            "that defines it before the models are compared, or fix the name."
                        ) from None
                    raise ConfigurationError(
                        f"The model column {column} has a foreign key to {error.table_name}, "
                        f"which is on another MetaData{_which(error.table_name, other, md)}: "
                        "SQLModel's models register on SQLModel.metadata "
                        "and Flask-SQLAlchemy's on db.metadata, and a foreign key cannot "
                        "reach from one to the other. Make them one: "
                        "db = SQLAlchemy(metadata=SQLModel.metadata)."
                    ) from None


def _which(target: str, target_metadata: MetaData, own: MetaData) -> str:
    sqlmodel = sys.modules.get("sqlmodel")
    shared = None if sqlmodel is None else sqlmodel.SQLModel.metadata
    if target_metadata is shared:
        return f" ({target} is on SQLModel.metadata, the other table on db.metadata or another)"
    if own is shared:
        return " (it is on db.metadata or another, the other table on SQLModel.metadata)"
    return ""
