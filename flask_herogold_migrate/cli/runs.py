"""The bodies of ``migrate``, ``migrate:rollback``, ``migrate:reset``, ``migrate:status`` and
``--pretend``, each over a list of targets (one database is a list of one)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..core import MigrationManager, Progress
from ..core.runtime.status import Status
from ..core.states import SHOWN_STATES
from ..core.targets.fleet import FleetPolicy
from ..core.targets.runs import Target, TargetResult
from ..core.targets.selection import TargetKind, TargetPlan, TargetSource
from . import protection
from .output import check_up_to_date, spare_exit_collection, status_table, summary
from .targets.ending import Ending, Verdict, conclude
from .targets.fleet import conclude_run, run_all
from .targets.options import Output, run_over, selected

if TYPE_CHECKING:
    from ..core.preview.rehearsal import Rehearsal


SINGLE_TRANSACTION_OPTION = click.option(
    "--single-transaction/--transaction-per-migration",
    default=None,
    help="Run the whole command in one transaction, committed at the end or not at all "
    "(SQLite, PostgreSQL), or commit each migration with its record (the default, unless "
    "configured otherwise).",
)
_Decorated = TypeVar("_Decorated", bound=Callable[..., Any])


def pretend_options(function: _Decorated) -> _Decorated:
    """``--pretend`` and ``--json``, of ``migrate``, ``migrate:rollback`` and ``migrate:reset``."""
    function = click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="Print JSON instead of text: the rehearsal of --pretend (statements, errors, "
        "sequences moved on), or the summary of a run over several databases (--all-binds or "
        "--all-tenants).",
    )(function)
    return click.option(
        "--pretend",
        is_flag=True,
        help="Show the SQL each migration would run, and change nothing: on SQLite and "
        "PostgreSQL the run is rehearsed in a transaction that is rolled back; on MariaDB "
        "and MySQL the statements are recorded without being sent.",
    )(function)


def refuse_json(
    kinds: Sequence[TargetKind], command: str, pretend: bool, as_json: bool, extra: dict[str, Any]
) -> None:
    """``--json`` of a run is its rehearsal's, or the document of a run over many databases."""
    if as_json and not pretend and not (extra.get("all_binds") or extra.get("all_tenants")):
        if "bind" in kinds:
            goes_with = "--all-tenants or --all-binds, or with --pretend"
        else:
            goes_with = " or ".join(["--pretend", *(f"--all-{k}s" for k in kinds)])
        raise click.UsageError(
            f"{command} --json goes with {goes_with}; migrate:status --json shows one database."
        )


def run_changes(
    plan: TargetPlan,
    *,
    verb: str,
    work: Callable[[MigrationManager], list[str]],
    single_transaction: bool | None,
    as_json: bool,
    confirm: Callable[[MigrationManager], None] = lambda manager: None,
    undo: bool = False,
    policy: FleetPolicy | None = None,
    opened: Mapping[str, Any] | None = None,
) -> None:
    """``migrate`` (or, with ``undo``, ``migrate:rollback`` or ``migrate:reset``) on every
    target of ``plan``; ``verb`` says what was done (``Applied``). ``policy`` and ``opened``:
    as :func:`.targets.fleet.run_all` takes them.

    ``confirm`` asks before a target's run, given its manager; over many targets it is asked
    once, of the first, before any runs.
    """
    if plan.many and plan.targets:
        with plan.targets[0].open() as first:
            confirm(first)

    def one(target: Target, manager: MigrationManager, out: Output) -> list[str]:
        if not plan.many:
            confirm(manager)
        names = work(manager)
        if not as_json:
            out.echo(summary(verb, names, manager) if names else _nothing(undo))
        return names

    fleet = run_all(
        plan, one, policy, quiet=as_json, single_transaction=single_transaction, opened=opened
    )
    results = fleet.results
    spare_exit_collection([name for r in results for name in (r.value or ())])
    done, nothing = _UNDONE if undo else ("applied", "up-to-date")
    ending: Ending[list[str]] = Ending(
        verdict=lambda names: Verdict(done if names else nothing),
        end_one=lambda names: None,
        entry=lambda names: {"migrations": names},
        entry_of_error=lambda error: {"migrations": list(getattr(error, "completed", ()))},
    )
    conclude_run(plan, fleet, ending, as_json=as_json)


_UNDONE = ("rolled-back", "nothing-to-roll-back")


def _nothing(undo: bool) -> str:
    return "Nothing to roll back." if undo else "Nothing to migrate."


def confirm_undo(
    plan: TargetPlan, *, command: str, consequence: str, force: bool, always: bool = False
) -> Callable[[MigrationManager], None]:
    """Ask before undoing: one database, every bind, or (only with --force) every tenant."""

    def confirm(manager: MigrationManager) -> None:
        if plan.many and plan.kind == "tenant":
            if not force:
                raise click.ClickException(
                    f"{command} --all-tenants {consequence} of every tenant "
                    f"({len(plan.targets)}): pass --force to go on. Nothing was done."
                )
            return
        many = plan.many and plan.kind == "bind"
        protection.confirm(
            protected=manager.protected,
            force=force,
            command=f"{command} --all-binds" if many else command,
            consequence=f"{consequence} of every bind" if many else consequence,
            always=always,
        )

    return confirm


def run_status(plan: TargetPlan, *, as_json: bool, check: bool) -> None:
    """``migrate:status``: each target's table, or one line of counts per tenant."""
    counts_only = plan.many and plan.kind == "tenant"

    def one(target: Target, manager: MigrationManager, out: Output) -> Status:
        result = manager.status()
        if as_json and not plan.many:
            out.echo(json.dumps(result.to_json(), indent=2))
        elif not as_json and not counts_only:
            out.echo(status_table(result.migrations))
            for file in result.misnamed:
                warning = Progress("misnamed", file.name, "up", reason=file.reason)
                out.echo(warning.describe(), err=True)
        return result

    results = run_over(plan, one)
    if counts_only and not as_json:
        click.echo(_counts_table(results))

    def verdict(status: Status) -> Verdict:
        behind = [
            f"{n} {state}" for state, n in status.counts().items() if n and state != "applied"
        ]
        if not behind:
            return Verdict("up-to-date")
        return Verdict("not-up-to-date", ", ".join(behind) if check else None)

    def document(results: list[TargetResult[Status]]) -> dict[str, Any]:
        merged: dict[str, list[dict[str, Any]]] = {"migrations": [], "misnamed": []}
        for result in results:
            if result.value is not None:
                shown = result.value.to_json()
                for key in merged:
                    merged[key] += [{plan.kind: result.target.name, **m} for m in shown[key]]
        return merged

    ending: Ending[Status] = Ending(
        verdict=verdict,
        end_one=lambda status: check_up_to_date(status) if check else None,
        entry=lambda status: {"counts": status.counts()},
        did_not_pass="are not up to date",
        summary=False,
        document=document,
    )
    conclude(plan, results, ending, as_json=as_json)


def _counts_table(results: list[TargetResult[Status]]) -> str:
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
    return "\n".join(lines)


def run_rehearsals(
    plan: TargetPlan,
    rehearse: Callable[[MigrationManager], Rehearsal],
    *,
    as_json: bool,
    opened: Mapping[str, Any] | None = None,
) -> None:
    """``--pretend``: each target's rehearsal, then (over many) the summary."""
    from .preview import rehearsal_problem, rehearsal_text, show_rehearsal

    def one(target: Target, manager: MigrationManager, out: Output) -> Rehearsal:
        rehearsal = rehearse(manager)
        if not plan.many:
            show_rehearsal(rehearsal, as_json=as_json)
        elif not as_json:
            out.echo(rehearsal_text(rehearsal))
        return rehearsal

    def verdict(rehearsal: Rehearsal) -> Verdict:
        problem = rehearsal_problem(rehearsal)
        if problem is not None:
            return Verdict("would-fail", problem)
        return Verdict("rehearsed" if rehearsal.migrations else "nothing-to-do")

    ending: Ending[Rehearsal] = Ending(
        verdict=verdict,
        end_one=lambda rehearsal: None,
        entry=lambda rehearsal: rehearsal.to_json(),
        did_not_pass="would fail",
    )
    results = run_over(plan, one, quiet=as_json, opened=opened)
    conclude(plan, results, ending, as_json=as_json)


Work = Callable[[Target, MigrationManager, Output], dict[str, Any]]


def run_rebuild(
    source: TargetSource,
    directory: Path | None,
    extra: dict[str, Any],
    work: Work,
    command: str,
    consequence: str,
    force: bool,
    pretend: bool,
    as_json: bool,
    adds: bool = False,
) -> None:
    """``work`` on every target, after asking (unless ``pretend``); one document per target
    with ``--json``: printed alone on one database, in the many-databases document else."""
    with selected(source, directory, extra) as plan:

        def confirm(manager: MigrationManager) -> None:
            if pretend:
                return
            if plan.many and plan.kind == "tenant":
                if not force and (manager.protected or not adds):
                    raise click.ClickException(
                        f"{command} --all-tenants {consequence} for every tenant "
                        f"({len(plan.targets)}): pass --force to go on. Nothing was done."
                    )
                return
            many = plan.many and plan.kind == "bind"
            protection.confirm(
                protected=manager.protected,
                force=force,
                command=f"{command} --all-binds" if many else command,
                consequence=f"{consequence}, on every bind" if many else consequence,
            )

        if plan.many and plan.targets:
            with plan.targets[0].open() as first:
                confirm(first)

        def one(target: Target, manager: MigrationManager, out: Output) -> dict[str, Any]:
            if not plan.many:
                confirm(manager)
            return work(target, manager, out)

        def end_one(document: dict[str, Any]) -> None:
            if as_json:
                click.echo(json.dumps(document, indent=2))

        ending: Ending[dict[str, Any]] = Ending(
            verdict=lambda document: Verdict("done"),
            end_one=end_one,
            entry=lambda document: document,
        )
        conclude(plan, run_over(plan, one, quiet=as_json), ending, as_json=as_json)
