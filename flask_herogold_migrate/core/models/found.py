"""Which models a comparison uses: the :class:`~sqlalchemy.MetaData` objects their tables are in.

SQLModel's ``table=True`` classes register on ``SQLModel.metadata``, not on Flask-SQLAlchemy's
``db.metadata``: looking at only one of them is the most common reason an autogenerate finds
nothing to do, so both are looked at. A setting (``HEROGOLD_MIGRATE_METADATA``, or
``--metadata`` without Flask) names the metadata instead: a ``MetaData``, a list of them, or
import strings (``"myapp.models:db.metadata"``, several separated by commas).

A database among several (a Flask-SQLAlchemy bind) is compared with its own models only,
and the default database with none of theirs. A table belongs to the bind its
``info["bind_key"]`` names, else its class's ``__bind_key__`` (SQLModel), else its
``MetaData``'s ``info["bind_key"]`` (Flask-SQLAlchemy keeps one ``MetaData`` per bind); a
table naming none belongs to the default one. Models named by a setting are taken as they are.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, cast

from ..errors import ConfigurationError
from ..settings import naming_the_setting

if TYPE_CHECKING:
    from sqlalchemy import MetaData, Table


#: Told the bind (None: the default database), says where the models are, or None.
MetadataResolver = Callable[["str | None"], "list[MetaData] | None"]
_resolvers: list[MetadataResolver] = []


def register_metadata_resolver(resolver: MetadataResolver) -> None:
    """Let a framework say where the models are (the Flask layer: the current app's)."""
    if resolver not in _resolvers:
        _resolvers.append(resolver)


def resolve_model_metadata(setting: object = None, *, bind: str | None = None) -> list[MetaData]:
    """The models to compare the database ``bind`` with: ``setting`` if given, else what a
    framework registered finds (the Flask app's), else ``$HEROGOLD_MIGRATE_METADATA``, else
    ``SQLModel.metadata``'s tables of ``bind``."""
    if setting is not None and setting != "":
        return find_model_metadata(setting)
    for resolver in _resolvers:
        found = resolver(bind)
        if found is not None:
            return found
    with naming_the_setting("HEROGOLD_MIGRATE_METADATA"):
        return find_model_metadata(os.environ.get("HEROGOLD_MIGRATE_METADATA"), bind=bind)


def find_model_metadata(
    setting: object = None, *, found: Iterable[MetaData] = (), bind: str | None = None
) -> list[MetaData]:
    """The model metadata to compare with the database ``bind``, each object once.

    ``setting`` (a ``MetaData``, import strings, or a list of either) wins when given, as it
    is. Otherwise it is ``found`` (the Flask layer passes Flask-SQLAlchemy's metadata, one per
    bind) followed by ``SQLModel.metadata``, with the tables of ``bind`` only.
    """
    if setting is not None and setting != "":
        return unique_metadata(_from_setting(setting))
    # A table=True model registers on SQLModel.metadata when its module is imported, and
    # that module imports sqlmodel: if sqlmodel is not imported, it holds no table, and
    # importing it only to find that out would slow every command down.
    sqlmodel = sys.modules.get("sqlmodel")
    from_sqlmodel = [] if sqlmodel is None else [sqlmodel.SQLModel.metadata]
    return of_bind(unique_metadata([*found, *from_sqlmodel]), bind)


def of_bind(metadata: list[MetaData], bind: str | None) -> list[MetaData]:
    """The tables of ``metadata`` that belong to ``bind`` (see the module), each
    ``MetaData`` kept as it is when all of its tables do, and left out when none does."""
    from sqlalchemy import MetaData

    classes = _class_bind_keys()
    kept = []
    for item in metadata:
        tables = list(item.tables.values())
        mine = [t for t in tables if _bind_of(t, classes) == bind]
        if len(mine) == len(tables):
            kept.append(item)
        elif mine:
            part = MetaData(naming_convention=item.naming_convention, info=dict(item.info))
            for table in mine:
                table.to_metadata(part)
            kept.append(part)
    return kept


def _bind_of(table: Table, classes: dict[int, str | None]) -> str | None:
    if "bind_key" in table.info:
        return cast("str | None", table.info["bind_key"])
    if id(table) in classes:
        return classes[id(table)]
    return cast("str | None", table.metadata.info.get("bind_key"))


def _class_bind_keys() -> dict[int, str | None]:
    """The ``__bind_key__`` of each SQLModel class that has one, by its table's id."""
    sqlmodel = sys.modules.get("sqlmodel")
    if sqlmodel is None:
        return {}
    found: dict[int, str | None] = {}
    for mapper in sqlmodel.SQLModel._sa_registry.mappers:
        if hasattr(mapper.class_, "__bind_key__"):
            found[id(mapper.local_table)] = mapper.class_.__bind_key__
    return found


def unique_metadata(metadata: Iterable[MetaData]) -> list[MetaData]:
    """``metadata`` without repeats, in order (Flask-SQLAlchemy can share SQLModel's)."""
    seen: dict[int, MetaData] = {}
    for item in metadata:
        seen.setdefault(id(item), item)
    return list(seen.values())


def as_metadata_list(metadata: MetaData | Sequence[MetaData]) -> list[MetaData]:
    """``metadata`` as a list, each once, its foreign keys checked to resolve."""
    from sqlalchemy import MetaData

    from .separate import refuse_unresolvable_foreign_keys

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
