"""Every setting, read once into one frozen object: :class:`MigrateSettings`.

The ``HEROGOLD_MIGRATE_*`` keys are listed here and nowhere else: the Flask app's config
(:mod:`flask_herogold_migrate.app.config`) and the standalone command's environment read
them through :func:`read_settings`, so a key means the same in both, and every bad value is a
:class:`ConfigurationError` naming its key before anything runs. A key of ours that is
misspelled is found by :func:`unknown_keys`, with the key it was probably meant to be.

Managers are built from the settings (:meth:`MigrateSettings.manager`), with what differs for
one run (its progress callback, a command's ``--single-transaction``) passed then, never set
on a manager afterwards.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sqlalchemy.engine import Engine

from .deploy.wait import DEFAULT_WAIT_INTERVAL, DEFAULT_WAIT_TIMEOUT
from .errors import ConfigurationError
from .manager import MigrationManager
from .progress import ProgressCallback
from .runtime.lock import DEFAULT_CONNECTION_CHECK_INTERVAL, DEFAULT_LOCK_TIMEOUT
from .runtime.plan import OUT_OF_ORDER_POLICIES, OutOfOrderPolicy
from .settings import (
    AutoMode,
    parse_auto_mode,
    parse_choice,
    parse_count,
    parse_flag,
    parse_import_string,
    parse_optional_seconds,
    parse_path,
    parse_positive_seconds,
    parse_seconds,
    parse_text,
)

PREFIX = "HEROGOLD_MIGRATE_"


@dataclass(frozen=True)
class MigrateSettings:
    """What the ``HEROGOLD_MIGRATE_*`` keys say, parsed and checked (see Configuration).

    Directories are as given: the host makes relative ones relative to the app's root path
    (Flask) or leaves them relative to the working directory (the standalone command).
    ``progress`` and ``require_lock`` are not keys: they are what a host asks of one run.
    """

    directory: Path = Path("migrations")
    table: str = "migrations"
    auto: AutoMode = "off"
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT
    single_transaction: bool = False
    protected: bool = False
    wait_interval: float = DEFAULT_WAIT_INTERVAL
    wait_timeout: float = DEFAULT_WAIT_TIMEOUT
    connection_check_interval: float = DEFAULT_CONNECTION_CHECK_INTERVAL
    statement_lock_timeout: float | None = None
    statement_lock_retries: int = 0
    out_of_order: OutOfOrderPolicy = "warn"
    #: Bind name to its migrations directory.
    binds: Mapping[str, Path] = field(default_factory=lambda: MappingProxyType({}))
    #: A callable returning the tenants, or its import string; None: no tenants.
    tenants: object = None
    tenant_dir: Path = Path("migrations_tenants")
    #: A ``MetaData``, a list of them, or import strings; None: the models found.
    metadata: object = None
    #: The seeders' directory; None: ``seeders`` beside the migrations directory.
    seeders_dir: Path | None = None
    mysql_strict: bool = True
    progress: ProgressCallback | None = field(default=None, compare=False)
    require_lock: bool = False

    def manager(
        self,
        directory: str | os.PathLike[str] | None = None,
        engine: Engine | str | None = None,
        *,
        schema: str | None = None,
        bind: str | None = None,
        single_transaction: bool | None = None,
        progress: ProgressCallback | None = None,
        cls: type[MigrationManager] = MigrationManager,
        skip_post_deploy: bool = False,
        target_name: str | None = None,
    ) -> MigrationManager:
        """A manager (of ``cls``) with these settings, on ``directory`` (default:
        :attr:`directory`).

        ``single_transaction`` and ``progress``, when given, replace the settings' own for
        this manager (a command's ``--single-transaction``, its way of printing progress);
        ``skip_post_deploy`` and ``target_name`` are the manager's (``migrate
        --skip-post-deploy``, auto-run; the bind or tenant its signals name).
        """
        return cls(
            self.directory if directory is None else directory,
            engine=engine,
            table=self.table,
            lock_timeout=self.lock_timeout,
            single_transaction=(
                self.single_transaction if single_transaction is None else single_transaction
            ),
            progress=self.progress if progress is None else progress,
            require_lock=self.require_lock,
            protected=self.protected,
            connection_check_interval=self.connection_check_interval,
            statement_lock_timeout=self.statement_lock_timeout,
            statement_lock_retries=self.statement_lock_retries,
            out_of_order=self.out_of_order,
            schema=schema,
            bind=bind,
            seeders_dir=self.seeders_dir,
            mysql_strict=self.mysql_strict,
            skip_post_deploy=skip_post_deploy,
            target_name=target_name,
        )

    def with_run(self, **changes: Any) -> MigrateSettings:
        """These settings with some replaced for one run (``progress=...``, ...)."""
        return replace(self, **changes)


@dataclass(frozen=True)
class Key:
    """One ``HEROGOLD_MIGRATE_*`` key: the field it fills and how its value is read."""

    name: str
    field: str
    #: The value a Flask app's config gets when it does not set the key.
    default: object
    parse: Callable[[str, object], object]
    #: Read by the standalone command too (from the environment); else by Flask only.
    standalone: bool = True


def _binds(name: str, value: object) -> Mapping[str, Path]:
    if value is None:
        return MappingProxyType({})
    if not isinstance(value, Mapping):
        raise ConfigurationError(
            f"{name}={value!r} is not a mapping: give it as "
            '{"bind name": "migrations directory"}.'
        )
    directories = {}
    for bind, directory in value.items():
        if not isinstance(bind, str) or not isinstance(directory, (str, Path)) or not directory:
            raise ConfigurationError(
                f"{name} has {bind!r}: {directory!r}: each entry maps a bind name to a "
                "migrations directory."
            )
        directories[bind] = Path(directory)
    return MappingProxyType(directories)


def _tenants(name: str, value: object) -> object:
    if value is None or callable(value):
        return value
    if isinstance(value, str) and value.strip():
        text = value.strip()
        # "package.module.function" is read as "package.module:function".
        if ":" not in text and "." in text:
            module, _, function = text.rpartition(".")
            text = f"{module}:{function}"
        parse_import_string(name, text, "myapp.tenants:all_tenants")
        return value
    raise ConfigurationError(
        f"{name}={value!r} is neither a callable nor an import string: set it to a callable "
        "returning the tenants, or to the import string of one ('myapp.tenants:all_tenants')."
    )


def _metadata(name: str, value: object) -> object:
    from sqlalchemy import MetaData

    if value is None or value == "":
        return None
    if isinstance(value, str):
        return parse_import_string(name, value, "myapp.models:db.metadata", separator=",")
    items = [value] if isinstance(value, MetaData) else value
    if isinstance(items, (list, tuple)) and all(
        isinstance(item, MetaData) or (isinstance(item, str) and item) for item in items
    ):
        for item in items:
            if isinstance(item, str):
                parse_import_string(name, item, "myapp.models:db.metadata", separator=",")
        return value
    raise ConfigurationError(
        f"{name}={value!r} is not a MetaData, a list of them or an import string such as "
        "'myapp.models:db.metadata'."
    )


def _optional_path(name: str, value: object) -> Path | None:
    return None if value is None or value == "" else parse_path(name, value)


def _choice_of_out_of_order(name: str, value: object) -> object:
    return parse_choice(name, value, OUT_OF_ORDER_POLICIES)


KEYS: tuple[Key, ...] = (
    Key("HEROGOLD_MIGRATE_DIR", "directory", "migrations", parse_path),
    Key("HEROGOLD_MIGRATE_TABLE", "table", "migrations", parse_text),
    Key("HEROGOLD_MIGRATE_AUTO", "auto", False, parse_auto_mode, standalone=False),
    Key("HEROGOLD_MIGRATE_LOCK_TIMEOUT", "lock_timeout", DEFAULT_LOCK_TIMEOUT, parse_seconds),
    Key("HEROGOLD_MIGRATE_SINGLE_TRANSACTION", "single_transaction", False, parse_flag),
    Key("HEROGOLD_MIGRATE_PROTECTED", "protected", False, parse_flag),
    Key(
        "HEROGOLD_MIGRATE_WAIT_INTERVAL",
        "wait_interval",
        DEFAULT_WAIT_INTERVAL,
        parse_positive_seconds,
        standalone=False,
    ),
    Key(
        "HEROGOLD_MIGRATE_WAIT_TIMEOUT",
        "wait_timeout",
        DEFAULT_WAIT_TIMEOUT,
        parse_seconds,
        standalone=False,
    ),
    Key(
        "HEROGOLD_MIGRATE_CONNECTION_CHECK_INTERVAL",
        "connection_check_interval",
        DEFAULT_CONNECTION_CHECK_INTERVAL,
        parse_seconds,
    ),
    Key(
        "HEROGOLD_MIGRATE_STATEMENT_LOCK_TIMEOUT",
        "statement_lock_timeout",
        None,
        parse_optional_seconds,
    ),
    Key("HEROGOLD_MIGRATE_STATEMENT_LOCK_RETRIES", "statement_lock_retries", 0, parse_count),
    Key("HEROGOLD_MIGRATE_OUT_OF_ORDER", "out_of_order", "warn", _choice_of_out_of_order),
    Key("HEROGOLD_MIGRATE_BINDS", "binds", {}, _binds, standalone=False),
    Key("HEROGOLD_MIGRATE_TENANTS", "tenants", None, _tenants),
    Key("HEROGOLD_MIGRATE_TENANT_DIR", "tenant_dir", "migrations_tenants", parse_path),
    Key("HEROGOLD_MIGRATE_METADATA", "metadata", None, _metadata),
    Key("HEROGOLD_MIGRATE_SEEDERS_DIR", "seeders_dir", None, _optional_path),
    Key("HEROGOLD_MIGRATE_MYSQL_STRICT", "mysql_strict", True, parse_flag),
)
KEY_NAMES = frozenset(key.name for key in KEYS)


def read_settings(values: Mapping[str, object], *, standalone: bool = False) -> MigrateSettings:
    """The settings ``values`` (a Flask config, the environment) give; unset keys keep their
    defaults. ``standalone`` reads only the keys the standalone command has."""
    parsed: dict[str, Any] = {
        key.field: key.parse(key.name, values[key.name])
        for key in KEYS
        if key.name in values and (key.standalone or not standalone)
    }
    return MigrateSettings(**parsed)


def unknown_keys(names: Iterable[str], *, standalone: bool = False) -> list[str]:
    """A warning for each ``HEROGOLD_MIGRATE_*`` name in ``names`` that is no key of ours."""
    # Compared without the prefix they all share, which would make any name look close.
    known = sorted(name.removeprefix(PREFIX) for name in KEY_NAMES)
    warnings = []
    for name in names:
        if not name.startswith(PREFIX) or name in KEY_NAMES:
            continue
        close = difflib.get_close_matches(name.removeprefix(PREFIX), known, n=1)
        hint = f"did you mean {PREFIX}{close[0]}?" if close else "no setting has this name."
        where = "environment variable" if standalone else "setting"
        warnings.append(f"Unknown {where} {name} is ignored: {hint}")
    return warnings
