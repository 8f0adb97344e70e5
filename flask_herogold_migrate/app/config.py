"""The Flask app's settings: its ``HEROGOLD_MIGRATE_*`` config keys, read into
:class:`~flask_herogold_migrate.core.config.MigrateSettings`.

``init_app()`` reads them once, so a bad value stops ``create_app()`` with one line naming
the key, and a misspelled key warns there. The object is kept on the app; a command reads
the config again only if it changed since (a test, or an app that sets its config after
``init_app()``), and then refuses a bad value in the same words.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

from flask import Flask

from ..core import ConfigurationError
from ..core.config import KEYS, PREFIX, MigrateSettings, read_settings, unknown_keys

_CACHE = "herogold_migrate_settings"
_UNSET = object()


class UnknownSettingWarning(UserWarning):
    """A ``HEROGOLD_MIGRATE_*`` key that is no setting: most likely a misspelled one."""


def set_defaults(app: Flask) -> None:
    """Give every key its default in ``app.config``, where the app sets none."""
    for key in KEYS:
        app.config.setdefault(key.name, key.default)


def load_settings(app: Flask) -> MigrateSettings:
    """Read the settings for ``init_app()``: warn of unknown keys, refuse bad values."""
    for message in unknown_keys(app.config):
        warnings.warn(message, UnknownSettingWarning, stacklevel=4)
    return settings_of(app)


def settings_of(app: Flask) -> MigrateSettings:
    """The app's settings, read again only if its config changed since they were read."""
    snapshot = _snapshot(app)
    cached = app.extensions.get(_CACHE)
    if cached is not None and cached[0] == snapshot:
        settings: MigrateSettings = cached[1]
        return settings
    settings = _read(app)
    app.extensions[_CACHE] = (snapshot, settings)
    return settings


def _read(app: Flask) -> MigrateSettings:
    found = read_settings({k: v for k, v in app.config.items() if k.startswith(PREFIX)})
    known = app.config.get("SQLALCHEMY_BINDS") or {}
    for name in found.binds:
        if name not in known:
            listed = ", ".join(sorted(known)) if known else "none"
            raise ConfigurationError(
                f"HEROGOLD_MIGRATE_BINDS names the bind {name!r}, which SQLALCHEMY_BINDS does "
                f"not define (it defines {listed})."
            )
    root = app.root_path
    return replace(
        found,
        directory=Path(root, found.directory),
        tenant_dir=Path(root, found.tenant_dir),
        binds=MappingProxyType({name: Path(root, d) for name, d in found.binds.items()}),
        seeders_dir=None if found.seeders_dir is None else Path(root, found.seeders_dir),
    )


def _snapshot(app: Flask) -> tuple[object, ...]:
    """What the settings are read from, with mutable values copied (a dict changed in place
    is a change)."""
    config = app.config
    items: list[object] = [app.root_path, _copy(config.get("SQLALCHEMY_BINDS"))]
    items += [_copy(config.get(key.name, _UNSET)) for key in KEYS]
    return tuple(items)


def _copy(value: object) -> object:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value
