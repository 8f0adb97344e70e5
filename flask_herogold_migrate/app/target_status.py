"""``migrate:status`` over many databases: each bind's table, or a count per state per tenant."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..cli.output import status_table
from ..core import Progress
from ..core.runtime.status import Status
from ..core.states import SHOWN_STATES
from ..core.targets.runs import BindFailed, TargetResult, run_each
from .target_runs import Printer, Selection, targets_of


def status_many(
    selection: Selection, *, directory: Path | None, as_json: bool, check: bool
) -> None:
    with targets_of(selection, directory) as targets:
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
    printer = Printer()
    for result in results:
        if result.value is not None:
            printer.line(result.target.name, status_table(result.value.migrations))
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
