"""How ``migrate:test`` runs the checks and shows their results (loaded only by that command)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..core import MigrationManager
from ..core.targets.runs import Target
from ..core.targets.selection import TargetSource
from ..core.testing.checks import CHECK_TITLES, CheckReport, CheckResult, run_checks
from .targets.ending import Ending, Verdict, conclude
from .targets.options import Output, models_by_target, run_over, selected

if TYPE_CHECKING:
    from sqlalchemy import MetaData
    from sqlalchemy.engine.url import URL

_OUTCOMES = {"passed": "ok", "failed": "FAILED", "skipped": "skipped"}
_OUTCOME_WIDTH = max(map(len, _OUTCOMES.values()))
_CHECK_WIDTH = max(map(len, CHECK_TITLES.values()))


def test_targets(
    source: TargetSource,
    directory: Path | None,
    extra: dict[str, Any],
    *,
    models: str | None,
    as_json: bool,
    with_rows: bool = False,
) -> None:
    """``migrate:test`` on the selected database, or on each bind's own throwaway database."""
    if extra.get("database_url") and extra.get("all_binds"):
        raise click.UsageError(
            "--database-url names one server, and each bind may be on another: with "
            "--all-binds, each bind's throwaway database is made beside it."
        )
    with selected(source, directory, extra) as plan:
        metadata = models_by_target(plan, lambda manager: manager.models(models))

        def one(target: Target, manager: MigrationManager, out: Output) -> CheckReport:
            with _interrupt_told_as_checks():
                return _checks(target, manager, out)

        def _checks(target: Target, manager: MigrationManager, out: Output) -> CheckReport:
            return run_migration_checks(
                extra.get("database_url") or manager.engine.url,
                manager.migrations_dir,
                tracking_table=manager.tracking.name,
                metadata=metadata[target.name],
                as_json=as_json,
                with_rows=with_rows,
                # Over many, the JSON document comes at the end, with every target's report.
                echo=(lambda text: None) if as_json and plan.many else out.echo,
            )

        def verdict(report: CheckReport) -> Verdict:
            return Verdict("passed") if report.passed else Verdict("failed", summary(report))

        def end_one(report: CheckReport) -> None:
            if not report.passed:
                raise click.exceptions.Exit(1)

        ending: Ending[CheckReport] = Ending(
            verdict=verdict,
            end_one=end_one,
            entry=lambda report: report.to_json(),
            did_not_pass="failed their checks",
        )
        results = run_over(plan, one, quiet=as_json and plan.many)
        conclude(plan, results, ending, as_json=as_json and plan.many)


class ChecksInterrupted(KeyboardInterrupt):
    """Ctrl-C during ``migrate:test``: only throwaway databases were touched."""

    def describe(self) -> str:
        return (
            "Interrupted: migrate:test stopped, and every throwaway database it made was "
            "dropped; the app's database was never touched."
        )


@contextmanager
def _interrupt_told_as_checks() -> Iterator[None]:
    try:
        yield
    except KeyboardInterrupt as interrupt:
        raise ChecksInterrupted from interrupt


def run_migration_checks(
    url: str | URL,
    directory: Path,
    *,
    tracking_table: str,
    metadata: list[MetaData],
    as_json: bool,
    with_rows: bool = False,
    echo: Callable[[str], None] = click.echo,
) -> CheckReport:
    """Run the checks, print each result (or, with ``as_json``, the report); return it."""
    if as_json:
        report = run_checks(
            url, directory, tracking_table=tracking_table, metadata=metadata, with_rows=with_rows
        )
        echo(json.dumps({"migrations_dir": str(directory), **report.to_json()}, indent=2))
        return report
    echo(f"Checking the migrations in {directory}.")
    report = run_checks(
        url,
        directory,
        tracking_table=tracking_table,
        metadata=metadata,
        with_rows=with_rows,
        on_result=lambda result: echo(describe_result(result)),
        on_database=lambda database: echo(f"On a throwaway {database}, dropped afterwards:"),
    )
    echo(summary(report))
    return report


def describe_result(result: CheckResult) -> str:
    """``FAILED   round trip    NAME: down() left index ix``, one line per problem."""
    outcome, check = _OUTCOMES[result.outcome], CHECK_TITLES[result.check]
    head = f"{outcome:<{_OUTCOME_WIDTH}}  {check:<{_CHECK_WIDTH}}"
    if result.outcome == "passed":
        return f"{head}  {result.migration or ''}".rstrip()
    lines = result.describe().splitlines() or [result.migration or ""]
    indent = " " * (len(head) + 2)
    return "\n".join([f"{head}  {lines[0]}", *(indent + line for line in lines[1:])])


def summary(report: CheckReport) -> str:
    counts = report.counts()
    others = f"{counts['passed']} passed, {counts['skipped']} skipped"
    if report.passed:
        return f"Every check passed: {others}."
    failed = counts["failed"]
    return f"{failed} check{'s' if failed != 1 else ''} failed; {others}."
