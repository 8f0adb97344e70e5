"""``--bind``, ``--all-binds``, ``--tenant``, ``--all-tenants``, ``--jobs``: which databases.

Every command body runs over the targets the core's plan lists (:mod:`.core.targets.selection`),
one database being a list of one. The host says which kinds of target it has (the Flask app:
binds and tenants; the standalone command: tenants), so both offer the same options where
they make sense. On one target a command prints what it always printed; on many, every line
starts with the target's name in brackets.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from ...core import MigrationManager, Progress
from ...core.targets.runs import Target, TargetResult, run_each
from ...core.targets.selection import (
    Selection,
    TargetKind,
    TargetPlan,
    TargetSource,
    plan_targets,
)
from ..output import print_progress, print_progress_to_stderr

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]
R = TypeVar("R")

_BIND = click.option(
    "--bind",
    metavar="NAME",
    help="The Flask-SQLAlchemy bind to act on (one of HEROGOLD_MIGRATE_BINDS), instead of "
    "the default bind.",
)
_ALL_BINDS = click.option(
    "--all-binds",
    is_flag=True,
    help="Every migrated bind, the default first, then by name; stops at the first failure.",
)
_TENANT = click.option(
    "--tenant", metavar="NAME", help="The tenant to act on (one HEROGOLD_MIGRATE_TENANTS returns)."
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
_CANARY = click.option(
    "--canary",
    type=click.IntRange(min=0),
    default=0,
    metavar="N",
    help="With --all-tenants: migrate the first N tenants first, and start no other if one "
    "of them fails.",
)
_MAX_FAILURES = click.option(
    "--max-failures",
    type=click.IntRange(min=1),
    metavar="K",
    help="With --all-tenants: start no tenant once K have failed (those running finish).",
)


_MAKE_FOR_TENANTS = click.option(
    "--all-tenants",
    is_flag=True,
    help="Write it in HEROGOLD_MIGRATE_TENANT_DIR, the directory every tenant shares.",
)

#: The commands that run over every bind or every tenant. migrate:test takes --all-binds
#: only: every tenant shares one directory, which --tenant NAME (or none) already tests.
MANY = (
    "migrate",
    "migrate:status",
    "migrate:rollback",
    "migrate:reset",
    "migrate:check",
    "migrate:lint",
    "migrate:fresh",
    "migrate:refresh",
    "migrate:seed",
)


def target_options(name: str, kinds: Sequence[TargetKind]) -> list[Decorator]:
    """The options the command called ``name`` takes, for a host with ``kinds``."""
    binds, tenants = "bind" in kinds, "tenant" in kinds
    if name == "migrate:make":
        return [*([_BIND] if binds else []), *([_MAKE_FOR_TENANTS] if tenants else [])]
    if name in MANY:
        many_binds = [_BIND, _ALL_BINDS] if binds else []
        fleet = [_CANARY, _MAX_FAILURES] if name == "migrate" else []  # see .fleet
        return [*many_binds, *([_TENANT, _ALL_TENANTS, _JOBS, *fleet] if tenants else [])]
    if name == "migrate:test":
        return [*([_BIND, _ALL_BINDS] if binds else []), *([_TENANT] if tenants else [])]
    return [*([_BIND] if binds else []), *([_TENANT] if tenants else [])]  # migrate:repair


def take_selection(extra: dict[str, Any]) -> Selection:
    """The selection options, taken out of a command's keyword arguments."""
    return Selection(
        bind=extra.pop("bind", None),
        all_binds=extra.pop("all_binds", False),
        tenant=extra.pop("tenant", None),
        all_tenants=extra.pop("all_tenants", False),
        jobs=extra.pop("jobs", 1),
    )


def check_selection(selection: Selection, directory: Path | None) -> None:
    """Refuse combinations that name more than one choice, as a usage error (nothing runs)."""
    chosen = selection.given()
    if len(chosen) > 1:
        raise click.UsageError(f"{' and '.join(chosen)} cannot be given together.")
    if selection.jobs != 1 and not selection.all_tenants:
        raise click.UsageError("--jobs goes with --all-tenants: binds run one after the other.")
    if directory is not None and selection.all_binds:
        raise click.UsageError(
            "--dir names one directory, and each bind has its own: drop --dir, or give --bind NAME."
        )


class Printer:
    """Lines from many threads, whole, each starting with its target's name."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def line(self, name: str, text: str, *, err: bool = False) -> None:
        with self._lock:
            for part in text.splitlines() or [""]:
                click.echo(f"[{name}] {part}", err=err)


@dataclass(frozen=True)
class Output:
    """Where one target's lines go: plain for one database, named for many."""

    name: str
    printer: Printer | None
    #: Standard output holds a JSON document: everything else goes to standard error.
    quiet: bool = False

    def echo(self, text: str, *, err: bool = False) -> None:
        if self.printer is None:
            click.echo(text, err=err or self.quiet)
        else:
            self.printer.line(self.name, text, err=err or self.quiet)

    def progress(self, progress: Progress) -> None:
        if self.printer is None:
            (print_progress_to_stderr if self.quiet else print_progress)(progress)
        elif progress.is_warning or not self.quiet:
            self.echo(progress.describe(), err=progress.is_warning)


@contextmanager
def selected(
    source: TargetSource, directory: Path | None, extra: dict[str, Any]
) -> Iterator[TargetPlan]:
    """The plan of the options in ``extra`` (taken out of it), checked, while it runs."""
    selection = take_selection(extra)
    check_selection(selection, directory)
    with plan_targets(source, selection, directory, extra) as plan:
        yield plan


def open_chosen(
    source: TargetSource,
    open_manager: Callable[..., MigrationManager],
    directory: Path | None,
    extra: dict[str, Any],
    **run: Any,
) -> MigrationManager:
    """The manager of the one database ``--bind`` or ``--tenant`` chose (else the default),
    open until the command ends; ``--all-tenants`` (``migrate:make``) gives the tenants'
    directory. ``run`` as for ``Target.open`` (``progress``...)."""
    selection = take_selection(extra)
    check_selection(selection, directory)
    if selection.all_tenants:
        return open_manager(directory or source.tenant_dir(extra), extra, **run)
    ctx = click.get_current_context()
    plan = ctx.with_resource(plan_targets(source, selection, directory, extra))
    [target] = plan.targets
    manager: MigrationManager = ctx.with_resource(target.open(**run))
    return manager


def run_over(
    plan: TargetPlan,
    work: Callable[[Target, MigrationManager, Output], R],
    *,
    quiet: bool = False,
    single_transaction: bool | None = None,
    opened: Mapping[str, Any] | None = None,
) -> list[TargetResult[R]]:
    """``work`` on each target of the plan, with the output it should print to; each manager
    is made with that output as its progress (and ``single_transaction``, if given, and the
    other arguments in ``opened``: ``skip_post_deploy``)."""
    printer = Printer() if plan.many else None

    def one(target: Target, manager: MigrationManager) -> R:
        return work(target, manager, Output(target.name, printer, quiet))

    def run(target: Target) -> dict[str, Any]:
        options: dict[str, Any] = {"progress": Output(target.name, printer, quiet).progress}
        options.update(opened or {})
        if single_transaction is not None:
            options["single_transaction"] = single_transaction
        return options

    return run_each(
        plan.targets,
        one,
        jobs=plan.jobs,
        stop_at_first_failure=plan.stop_at_first_failure,
        run=run,
    )


def models_by_target(plan: TargetPlan, resolve: Callable[[MigrationManager], R]) -> dict[str, R]:
    """The models each target is compared with, resolved here, where the app's context is
    (the targets may run on threads): each bind's own; the same for every tenant."""
    found: dict[str, R] = {}
    for target in plan.targets:
        if plan.kind != "bind" and found:
            found[target.name] = next(iter(found.values()))
            continue
        with target.open() as manager:
            found[target.name] = resolve(manager)
    return found


def single_source(open_manager: Callable[..., MigrationManager]) -> Any:
    """The source of a host with one database and no tenants: its manager as a list of one."""

    class Single:
        kinds: tuple[TargetKind, ...] = ()

        @contextmanager
        def targets(
            self, selection: Selection, directory: Path | None, extra: dict[str, Any]
        ) -> Iterator[list[Target]]:
            @contextmanager
            def open_it(**run: Any) -> Iterator[MigrationManager]:
                yield open_manager(directory, extra, **run)

            yield [Target("database", open_it, "database")]

        def tenant_dir(self, extra: dict[str, Any]) -> Path:
            raise click.UsageError("This command has no tenants.")

    return Single()
