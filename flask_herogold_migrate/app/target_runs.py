"""``migrate``, ``migrate:rollback`` and ``migrate:reset`` over many databases.

Binds run one after the other, default first, stopping at the first failure; tenants run
``--jobs`` at a time, each to the end, with a summary (:mod:`.core.targets`). Every line a
target prints starts with its name in brackets.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from flask import current_app

from ..cli import protection
from ..cli.output import spare_exit_collection, summary
from ..core import MigrationManager, Progress
from ..core.targets.runs import BindFailed, OutcomeState, RunSummary, Target, run_each, summarize
from .binds import all_tenant_targets, bind_targets
from .config import settings_of

if TYPE_CHECKING:
    from .binds import HerogoldMigrate


@dataclass(frozen=True)
class Selection:
    """Which databases a command acts on, as its options say."""

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


class Printer:
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
def targets_of(selection: Selection, directory: Path | None) -> Iterator[list[Target]]:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    extension: HerogoldMigrate = app.extensions["herogold_migrate"].extension
    if selection.all_binds:
        yield bind_targets(extension, app)
        return
    with all_tenant_targets(extension, app, directory) as targets:
        yield targets


def _run_changes(
    selection: Selection,
    *,
    verb: str,
    work: Callable[[MigrationManager], list[str]],
    directory: Path | None,
    single_transaction: bool | None,
    as_json: bool = False,
    before: Callable[[list[Target]], None] = lambda targets: None,
) -> None:
    """``migrate``, ``migrate:rollback`` or ``migrate:reset`` over many databases."""
    with targets_of(selection, directory) as targets:
        before(targets)
        printer = Printer()
        results = run_each(
            targets,
            _show_work(printer, work, verb, as_json),
            jobs=selection.jobs,
            stop_at_first_failure=selection.all_binds,
            run=lambda target: {
                "progress": printer.progress(target.name, warnings_only=as_json),
                "single_transaction": single_transaction,
            },
        )
    states: tuple[OutcomeState, OutcomeState] = (
        ("applied", "up-to-date") if verb == "Applied" else ("rolled-back", "nothing-to-roll-back")
    )
    outcome = summarize(selection.kind, targets, results, done=states[0], nothing=states[1])
    spare_exit_collection([name for o in outcome.outcomes for name in o.migrations])
    if as_json:
        click.echo(json.dumps(outcome.to_json(), indent=2))
    elif selection.all_tenants:
        click.echo(_tenant_summary(outcome))
    _fail_if_any(selection, outcome)


def _show_work(
    printer: Printer,
    work: Callable[[MigrationManager], list[str]],
    verb: str,
    as_json: bool,
) -> Callable[[Target, MigrationManager], list[str]]:
    """The work on one target, its lines printed with the target's name."""

    def one(target: Target, manager: MigrationManager) -> list[str]:
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


def _fail_if_any(selection: Selection, outcome: RunSummary) -> None:
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


def migrate_many(
    selection: Selection,
    *,
    directory: Path | None,
    target: str | None,
    single_transaction: bool | None,
    as_json: bool,
    fake: bool = False,
    force: bool = False,
) -> None:
    if fake and not force:
        raise click.UsageError(
            "migrate --fake over many databases records without running on every one: pass "
            "--force to go on. Nothing was done."
        )
    if target is not None and selection.all_binds:
        raise click.UsageError("--target names a file of one directory: give --bind NAME too.")
    _run_changes(
        selection,
        verb="Applied",
        work=lambda manager: manager.run_migrations(target, fake=fake),
        directory=directory,
        single_transaction=single_transaction,
        as_json=as_json,
    )


def _undo_many(
    selection: Selection,
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
            protected=settings_of(app).protected,
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


def rollback_many(selection: Selection, *, steps: int, fake: bool = False, **kwargs: Any) -> None:
    batches = "the last batch" if steps == 1 else f"the last {steps} batches"
    _undo_many(
        selection,
        command="migrate:rollback",
        consequence=f"undoes {batches}",
        work=lambda manager: manager.rollback(steps, fake=fake),
        **kwargs,
    )


def reset_many(selection: Selection, **kwargs: Any) -> None:
    _undo_many(
        selection,
        command="migrate:reset",
        consequence="rolls back every applied migration",
        work=lambda manager: manager.reset(),
        **kwargs,
    )
