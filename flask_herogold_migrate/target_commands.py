"""``--bind``, ``--all-binds``, ``--tenant``, ``--all-tenants`` and ``--jobs``: many databases.

One bind or one tenant is just another manager: the command runs as it always does, on it.
``--all-binds`` and ``--all-tenants`` run ``migrate``, ``migrate:status``, ``migrate:rollback``
and ``migrate:reset`` over many databases (:mod:`.core.targets`): binds one after the other,
default first, stopping at the first failure; tenants ``--jobs`` at a time, each to the end,
with a summary. Every line a target prints starts with its name in brackets.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from flask import current_app

from . import protection
from .binds import all_tenant_targets, bind_targets, one_tenant_target, settings, tenant_dir
from .cli import _spare_exit_collection, _status_table, summary, user_errors
from .core import MigrationManager, Progress
from .core.states import SHOWN_STATES
from .core.status import Status
from .core.targets import (
    BindFailed,
    RunSummary,
    Target,
    TargetResult,
    run_each,
    summarize,
)

if TYPE_CHECKING:
    from .extension import HerogoldMigrate

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
_JSON = click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="With --all-tenants or --all-binds: print what each did as JSON, instead of progress "
    "lines.",
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
    if name == "migrate:repair":
        return [_BIND, _TENANT, _one_database(name)]
    options = [_BIND, _ALL_BINDS, _TENANT, _ALL_TENANTS, _JOBS]
    if name == "migrate":
        options.append(_JSON)
    return [*options, _dispatch(name)]


def open_selected_manager(
    extension: HerogoldMigrate, directory: Path | None, extra: dict[str, Any]
) -> MigrationManager:
    """The manager of the database that ``--bind`` or ``--tenant`` chose (else the default)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if extra.get("tenant") is not None:
        target = one_tenant_target(extension, app, extra["tenant"], directory)
        # A tenant with a database of its own has an engine for this command: disposed of
        # when the command ends.
        manager: MigrationManager = click.get_current_context().with_resource(target.open())
        return manager
    if extra.get("all_tenants"):  # migrate:make: the tenants' directory, no database needed
        return MigrationManager(directory or tenant_dir(app), **settings(app))
    return extension.manager(directory, bind=extra.get("bind"))


@dataclass(frozen=True)
class _Selection:
    bind: str | None
    all_binds: bool
    tenant: str | None
    all_tenants: bool
    jobs: int

    @property
    def many(self) -> bool:
        return self.all_binds or self.all_tenants

    @property
    def kind(self) -> str:
        return "bind" if self.all_binds else "tenant"

    def check(self, directory: Path | None) -> None:
        chosen = [
            option
            for option, given in (
                ("--bind", self.bind is not None),
                ("--all-binds", self.all_binds),
                ("--tenant", self.tenant is not None),
                ("--all-tenants", self.all_tenants),
            )
            if given
        ]
        if len(chosen) > 1:
            raise click.UsageError(f"{' and '.join(chosen)} cannot be given together.")
        if self.jobs != 1 and not self.all_tenants:
            raise click.UsageError("--jobs goes with --all-tenants: binds run one after the other.")
        if directory is not None and self.all_binds:
            raise click.UsageError(
                "--dir names one directory, and each bind has its own: drop --dir, or give "
                "--bind NAME."
            )


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
            selection = _Selection(bind, all_binds, tenant, all_tenants, jobs)
            selection.check(kwargs["directory"])
            if not selection.many:
                if command == "migrate" and kwargs.pop("as_json"):
                    raise click.UsageError(
                        "migrate --json goes with --all-tenants or --all-binds; "
                        "migrate:status --json shows one database."
                    )
                return function(*args, bind=bind, tenant=tenant, **kwargs)
            show_traceback = kwargs.pop("traceback")
            with user_errors(show_traceback=show_traceback):
                return _MANY[command](selection, **kwargs)

        return wrapper

    return decorator


class _Printer:
    """Lines from many threads, whole, each starting with its target's name."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def line(self, name: str, text: str, *, err: bool = False) -> None:
        with self._lock:
            for part in text.splitlines() or [""]:
                click.echo(f"[{name}] {part}", err=err)

    def progress(self, name: str, *, warnings_only: bool = False) -> Callable[[Progress], None]:
        def show(progress: Progress) -> None:
            if progress.is_warning or not warnings_only:
                self.line(name, progress.describe(), err=progress.is_warning or warnings_only)

        return show


@contextmanager
def _targets(selection: _Selection, directory: Path | None) -> Iterator[list[Target]]:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    extension: HerogoldMigrate = app.extensions["herogold_migrate"].extension
    if selection.all_binds:
        yield bind_targets(extension, app)
        return
    with all_tenant_targets(extension, app, directory) as targets:
        yield targets


def _run_changes(
    selection: _Selection,
    *,
    verb: str,
    work: Callable[[MigrationManager], list[str]],
    directory: Path | None,
    single_transaction: bool | None,
    as_json: bool = False,
    before: Callable[[list[Target]], None] = lambda targets: None,
) -> None:
    """``migrate``, ``migrate:rollback`` or ``migrate:reset`` over many databases."""
    with _targets(selection, directory) as targets:
        before(targets)
        results = run_each(
            targets,
            _show_work(work, verb, single_transaction, as_json),
            jobs=selection.jobs,
            stop_at_first_failure=selection.all_binds,
        )
    done, nothing = (
        ("applied", "up-to-date") if verb == "Applied" else ("rolled-back", "nothing-to-roll-back")
    )
    outcome = summarize(selection.kind, targets, results, done=done, nothing=nothing)  # type: ignore[arg-type]
    _spare_exit_collection([name for o in outcome.outcomes for name in o.migrations])
    if as_json:
        click.echo(json.dumps(outcome.to_json(), indent=2))
    elif selection.all_tenants:
        click.echo(_tenant_summary(outcome))
    _fail_if_any(selection, outcome)


def _show_work(
    work: Callable[[MigrationManager], list[str]],
    verb: str,
    single_transaction: bool | None,
    as_json: bool,
) -> Callable[[Target, MigrationManager], list[str]]:
    """The work on one target, its lines printed with the target's name."""
    printer = _Printer()

    def one(target: Target, manager: MigrationManager) -> list[str]:
        manager.progress = printer.progress(target.name, warnings_only=as_json)
        if single_transaction is not None:
            manager.single_transaction = single_transaction
        names = work(manager)
        if not as_json:
            printer.line(target.name, _done(verb, names, manager))
        return names

    return one


def _done(verb: str, names: list[str], manager: MigrationManager) -> str:
    if names:
        return summary(verb, names, manager)
    return "Nothing to migrate." if verb == "Applied" else "Nothing to roll back."


def _tenant_summary(outcome: RunSummary) -> str:
    counts = outcome.counts()
    shown = ", ".join(f"{n} {state}" for state, n in counts.items() if n)
    lines = [f"Tenants: {shown} (of {len(outcome.outcomes)})."]
    for state, n in counts.items():
        if n and state != "failed":
            names = ", ".join(o.target for o in outcome.named(state))
            lines.append(f"{state.capitalize()} ({n}): {names}")
    failed = outcome.failed
    if failed:
        lines.append(f"Failed ({len(failed)}):")
        lines += [f"  {o.target}: {o.error}" for o in failed]
    return "\n".join(lines)


def _fail_if_any(selection: _Selection, outcome: RunSummary) -> None:
    failed = outcome.failed
    if not failed:
        return
    if selection.all_binds:
        first = failed[0]
        assert first.exception is not None
        raise click.ClickException(
            str(BindFailed.after(first.target, first.exception, outcome.not_run))
        )
    names = ", ".join(o.target for o in failed)
    raise click.ClickException(
        f"{len(failed)} of {len(outcome.outcomes)} tenants failed: {names}. The others ran."
    )


def _migrate_many(
    selection: _Selection,
    *,
    directory: Path | None,
    target: str | None,
    single_transaction: bool | None,
    as_json: bool,
) -> None:
    if target is not None and selection.all_binds:
        raise click.UsageError("--target names a file of one directory: give --bind NAME too.")
    _run_changes(
        selection,
        verb="Applied",
        work=lambda manager: manager.run_migrations(target),
        directory=directory,
        single_transaction=single_transaction,
        as_json=as_json,
    )


def _undo_many(
    selection: _Selection,
    *,
    command: str,
    consequence: str,
    work: Callable[[MigrationManager], list[str]],
    directory: Path | None,
    force: bool,
    single_transaction: bool | None,
) -> None:
    def confirm(targets: list[Target]) -> None:
        if selection.all_tenants:
            if not force:
                raise click.ClickException(
                    f"{command} --all-tenants {consequence} of every tenant "
                    f"({len(targets)}): pass --force to go on. Nothing was done."
                )
            return
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        protection.confirm(
            protected=settings(app)["protected"],
            force=force,
            command=f"{command} --all-binds",
            consequence=f"{consequence} of every bind",
            always=command == "migrate:reset",
        )

    _run_changes(
        selection,
        verb="Rolled back",
        work=work,
        directory=directory,
        single_transaction=single_transaction,
        before=confirm,
    )


def _rollback_many(selection: _Selection, *, steps: int, **kwargs: Any) -> None:
    batches = "the last batch" if steps == 1 else f"the last {steps} batches"
    _undo_many(
        selection,
        command="migrate:rollback",
        consequence=f"undoes {batches}",
        work=lambda manager: manager.rollback(steps),
        **kwargs,
    )


def _reset_many(selection: _Selection, **kwargs: Any) -> None:
    _undo_many(
        selection,
        command="migrate:reset",
        consequence="rolls back every applied migration",
        work=lambda manager: manager.reset(),
        **kwargs,
    )


def _status_many(
    selection: _Selection, *, directory: Path | None, as_json: bool, check: bool
) -> None:
    with _targets(selection, directory) as targets:
        results = run_each(
            targets,
            lambda target, manager: manager.status(),
            jobs=selection.jobs,
            stop_at_first_failure=selection.all_binds,
        )
    if selection.all_binds:
        _bind_statuses(results, as_json)
        not_run = [t.name for t in targets[len(results) :]]
        for result in results:
            if result.error is not None:
                failure = BindFailed.after(result.target.name, result.error, not_run)
                raise click.ClickException(str(failure))
    else:
        _tenant_statuses(results, as_json)
        failed = [r for r in results if r.error is not None]
        if failed:
            names = ", ".join(r.target.name for r in failed)
            raise click.ClickException(
                f"The status of {len(failed)} of {len(results)} tenants could not be read: {names}."
            )
    if check:
        behind = [
            r.target.name
            for r in results
            if r.value is not None and any(r.value.counts()[s] for s in SHOWN_STATES[1:])
        ]
        if behind:
            raise click.ClickException(
                f"Not up to date: {', '.join(behind)} ({selection.kind}s with migrations that "
                "are not applied)."
            )


def _bind_statuses(results: list[TargetResult[Status]], as_json: bool) -> None:
    if as_json:
        document: dict[str, list[dict[str, Any]]] = {"migrations": [], "misnamed": []}
        for result in results:
            if result.value is None:
                continue
            bind = result.target.name
            shown = result.value.to_json()
            document["migrations"] += [{"bind": bind, **m} for m in shown["migrations"]]
            document["misnamed"] += [{"bind": bind, **m} for m in shown["misnamed"]]
        click.echo(json.dumps(document, indent=2))
        return
    printer = _Printer()
    for result in results:
        if result.value is not None:
            printer.line(result.target.name, _status_table(result.value.migrations))
            for file in result.value.misnamed:
                warning = Progress("misnamed", file.name, "up", reason=file.reason)
                printer.line(result.target.name, warning.describe(), err=True)


def _tenant_statuses(results: list[TargetResult[Status]], as_json: bool) -> None:
    if as_json:
        tenants = [
            {
                "tenant": r.target.name,
                "counts": None if r.value is None else r.value.counts(),
                "error": r.message,
            }
            for r in results
        ]
        click.echo(json.dumps({"tenants": tenants}, indent=2))
        return
    rows = [("Tenant", *SHOWN_STATES)]
    for r in results:
        if r.value is not None:
            counts = r.value.counts()
            rows.append((r.target.name, *(str(counts[s]) for s in SHOWN_STATES)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    click.echo("\n".join(lines))
    for r in results:
        if r.error is not None:
            click.echo(f"[{r.target.name}] Error: {r.message}", err=True)


_MANY: dict[str, Callable[..., None]] = {
    "migrate": _migrate_many,
    "migrate:status": _status_many,
    "migrate:rollback": _rollback_many,
    "migrate:reset": _reset_many,
}
