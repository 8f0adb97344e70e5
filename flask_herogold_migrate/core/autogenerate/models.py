"""Which models a comparison uses: the :class:`~sqlalchemy.MetaData` objects their tables are in.

SQLModel's ``table=True`` classes register on ``SQLModel.metadata``, not on Flask-SQLAlchemy's
``db.metadata``: looking at only one of them is the most common reason an autogenerate finds
nothing to do, so both are looked at. A setting (``HEROGOLD_MIGRATE_METADATA``, or
``--metadata`` without Flask) names the metadata instead: a ``MetaData``, a list of them, or
import strings (``"myapp.models:db.metadata"``, several separated by commas).
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from ..errors import ConfigurationError

if TYPE_CHECKING:
    from sqlalchemy import MetaData


MetadataResolver = Callable[[], "list[MetaData] | None"]
_resolvers: list[MetadataResolver] = []


def register_metadata_resolver(resolver: MetadataResolver) -> None:
    """Let a framework say where the models are (the Flask layer: the current app's)."""
    if resolver not in _resolvers:
        _resolvers.append(resolver)


def resolve_model_metadata(setting: object = None) -> list[MetaData]:
    """The models to compare: ``setting`` if given, else what a framework registered finds
    (the Flask app's), else ``$HEROGOLD_MIGRATE_METADATA``, else ``SQLModel.metadata``."""
    if setting is not None and setting != "":
        return find_model_metadata(setting)
    for resolver in _resolvers:
        found = resolver()
        if found is not None:
            return found
    return find_model_metadata(os.environ.get("HEROGOLD_MIGRATE_METADATA"))


def find_model_metadata(
    setting: object = None, *, found: Iterable[MetaData] = ()
) -> list[MetaData]:
    """The model metadata to compare with the database, each object once.

    ``setting`` (a ``MetaData``, import strings, or a list of either) wins when given.
    Otherwise it is ``found`` (the Flask layer passes Flask-SQLAlchemy's ``db.metadata``)
    followed by ``SQLModel.metadata``.
    """
    if setting is not None and setting != "":
        return unique_metadata(_from_setting(setting))
    # A table=True model registers on SQLModel.metadata when its module is imported, and
    # that module imports sqlmodel: if sqlmodel is not imported, it holds no table, and
    # importing it only to find that out would slow every command down.
    sqlmodel = sys.modules.get("sqlmodel")
    from_sqlmodel = [] if sqlmodel is None else [sqlmodel.SQLModel.metadata]
    return unique_metadata([*found, *from_sqlmodel])


def unique_metadata(metadata: Iterable[MetaData]) -> list[MetaData]:
    """``metadata`` without repeats, in order (Flask-SQLAlchemy can share SQLModel's)."""
    seen: dict[int, MetaData] = {}
    for item in metadata:
        seen.setdefault(id(item), item)
    return list(seen.values())


def as_metadata_list(metadata: MetaData | Sequence[MetaData]) -> list[MetaData]:
    """``metadata`` as a list, each once, its foreign keys checked to resolve."""
    from sqlalchemy import MetaData

    from .separate_metadata import refuse_unresolvable_foreign_keys

    found = [metadata] if isinstance(metadata, MetaData) else unique_metadata(metadata)
    refuse_unresolvable_foreign_keys(found)
    return found


def model_table_names(metadata: Iterable[MetaData]) -> set[str]:
    """The names of the tables the models describe (in the default schema)."""
    return {table.name for item in metadata for table in item.tables.values()}


def _from_setting(setting: object) -> list[MetaData]:
    from sqlalchemy import MetaData

    if isinstance(setting, MetaData):
        return [setting]
    if isinstance(setting, str):
        return [load_metadata(part.strip()) for part in setting.split(",") if part.strip()]
    if isinstance(setting, Iterable):
        return [m for item in setting for m in _from_setting(item)]
    raise ConfigurationError(
        f"HEROGOLD_MIGRATE_METADATA={setting!r} is not a MetaData, a list of them or an "
        "import string such as 'myapp.models:db.metadata'."
    )


def load_metadata(spec: str) -> MetaData:
    """The ``MetaData`` an import string such as ``"myapp.models:Base.metadata"`` names.

    ``module:attribute.path``; an object with a ``metadata`` attribute (a declarative base,
    ``db``, ``SQLModel``) stands for its metadata.
    """
    from sqlalchemy import MetaData

    module_name, _, path = spec.partition(":")
    if not module_name or not path:
        raise ConfigurationError(
            f"Invalid models setting {spec!r}: write module:attribute, such as "
            "'myapp.models:db.metadata'."
        )
    # As with ``flask --app``, the models of the project the command runs in are importable
    # (an installed herogold-migrate script does not put the current directory on the path).
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        found: object = importlib.import_module(module_name)
    except ImportError as error:
        raise ConfigurationError(f"Cannot import the models of {spec!r}: {error}.") from None
    for attribute in path.split("."):
        try:
            found = getattr(found, attribute)
        except AttributeError:
            raise ConfigurationError(
                f"Cannot find the models of {spec!r}: {attribute!r} is not in "
                f"{getattr(found, '__name__', type(found).__name__)}."
            ) from None
    if not isinstance(found, MetaData):
        found = getattr(found, "metadata", found)
    if not isinstance(found, MetaData):
        raise ConfigurationError(
            f"{spec!r} is a {type(found).__name__}, not a SQLAlchemy MetaData."
        )
    return found
