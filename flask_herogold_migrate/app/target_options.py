"""``--bind``, ``--all-binds``, ``--tenant``, ``--all-tenants`` and ``--jobs``: many databases.

One bind or one tenant is just another manager: the command runs as it always does, on it.
``--all-binds`` and ``--all-tenants`` run ``migrate``, ``migrate:status``, ``migrate:rollback``
and ``migrate:reset`` over many databases (:mod:`.target_runs`, :mod:`.target_status`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from flask import current_app

from ..cli.user_errors import user_errors
from ..core import MigrationManager
from .binds import one_tenant_target, tenant_dir
from .config import settings_of
from .target_fresh import fresh_many, refresh_many, seed_many
from .target_runs import Selection, migrate_many, reset_many, rollback_many
from .target_status import status_many

if TYPE_CHECKING:
    from .binds import HerogoldMigrate

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]

_BIND = click.option(
    "--bind",
    metavar="NAME",
    help="The Flask-SQLAlchemy bind to act on (one of HEROGOLD_MIGRATE_BINDS), instead of "
    "the default bind.",
)
_TENANT = click.option(
    "--tenant", metavar="NAME", help="The tenant to act on (one HEROGOLD_MIGRATE_TENANTS returns)."
)
_ALL_BINDS = click.option(
    "--all-binds",
    is_flag=True,
    help="Every migrated bind, the default first, then by name; stops at the first failure.",
)
_ALL_TENANTS = click.option(
    "--all-tenants",
    is_flag=True,
    help="Every tenant HEROGOLD_MIGRATE_TENANTS returns; one tenant's failure does not stop "
    "the others, and a summary follows.",
)
_JOBS = click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="With --all-tenants: how many tenants to run at once, each on its own connection.",
)
_MAKE_FOR_TENANTS = click.option(
    "--all-tenants",
    is_flag=True,
    help="Write it in HEROGOLD_MIGRATE_TENANT_DIR, the directory every tenant shares.",
)


def target_options(name: str) -> Sequence[Decorator]:
    """The options the command called ``name`` takes (``build_commands``' ``options_for``)."""
    if name == "migrate:make":
        return [_BIND, _MAKE_FOR_TENANTS, _one_database(name)]
    if name not in _MANY:  # repair, lint, check, test: one database at a time
        return [_BIND, _TENANT, _one_database(name)]
    # migrate, migrate:rollback and migrate:reset already take --json, for --pretend.
    return [_BIND, _ALL_BINDS, _TENANT, _ALL_TENANTS, _JOBS, _dispatch(name)]


def open_selected_manager(
    extension: HerogoldMigrate, directory: Path | None, extra: dict[str, Any], **run: Any
) -> MigrationManager:
    """The manager of the database that ``--bind`` or ``--tenant`` chose (else the default);
    ``run`` as for :meth:`.MigrateSettings.manager` (``progress``, ``single_transaction``)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if extra.get("tenant") is not None:
        target = one_tenant_target(extension, app, extra["tenant"], directory)
        # A tenant with a database of its own has an engine for this command: disposed of
        # when the command ends.
        manager: MigrationManager = click.get_current_context().with_resource(target.open(**run))
        return manager
    if extra.get("all_tenants"):  # migrate:make: the tenants' directory, no database needed
        return settings_of(app).manager(directory or tenant_dir(app), **run)
    return extension.manager(directory, bind=extra.get("bind"), **run)


def _one_database(command: str) -> Decorator:
    """For ``migrate:make`` and ``migrate:repair``: at most one of the options given."""

    def decorator(function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            chosen = [
                f"--{key.replace('_', '-')}"
                for key in ("bind", "tenant", "all_tenants")
                if kwargs.get(key) not in (None, False)
            ]
            if len(chosen) > 1:
                raise click.UsageError(f"{' and '.join(chosen)} cannot be given together.")
            return function(*args, **kwargs)

        return wrapper

    return decorator


def _dispatch(command: str) -> Decorator:
    """Run the command as it is on one database, or over many with ``--all-*``."""

    def decorator(function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def wrapper(
            *args: Any,
            bind: str | None,
            all_binds: bool,
            tenant: str | None,
            all_tenants: bool,
            jobs: int,
            **kwargs: Any,
        ) -> Any:
            selection = Selection(bind, all_binds, tenant, all_tenants, jobs)
            selection.check(kwargs["directory"])
            pretend = kwargs.get("pretend", False)
            if not selection.many:
                if command == "migrate" and kwargs["as_json"] and not pretend:
                    raise click.UsageError(
                        "migrate --json goes with --all-tenants or --all-binds, or with "
                        "--pretend; migrate:status --json shows one database."
                    )
                return function(*args, bind=bind, tenant=tenant, **kwargs)
            if pretend:
                raise click.UsageError(
                    "--pretend rehearses one database: give --bind NAME or --tenant NAME."
                )
            kwargs.pop("pretend", None)
            if command in ("migrate:rollback", "migrate:reset") and kwargs.pop("as_json", False):
                raise click.UsageError("--json goes with --pretend.")
            show_traceback = kwargs.pop("traceback")
            with user_errors(show_traceback=show_traceback):
                return _MANY[command](selection, **kwargs)

        return wrapper

    return decorator


_MANY: dict[str, Callable[..., None]] = {
    "migrate": migrate_many,
    "migrate:status": status_many,
    "migrate:rollback": rollback_many,
    "migrate:reset": reset_many,
    "migrate:fresh": fresh_many,
    "migrate:refresh": refresh_many,
    "migrate:seed": seed_many,
}
