"""How ``migrate:test`` runs the checks and shows their results (loaded only by that command)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..core.testing.checks import CHECK_TITLES, CheckReport, CheckResult, run_checks

if TYPE_CHECKING:
    from sqlalchemy import MetaData
    from sqlalchemy.engine.url import URL

_OUTCOMES = {"passed": "ok", "failed": "FAILED", "skipped": "skipped"}
_OUTCOME_WIDTH = max(map(len, _OUTCOMES.values()))
_CHECK_WIDTH = max(map(len, CHECK_TITLES.values()))


def run_migration_checks(
    url: str | URL,
    directory: Path,
    *,
    tracking_table: str,
    metadata: list[MetaData],
    as_json: bool,
    with_rows: bool = False,
) -> None:
    """Run the checks, print each result (or, with ``as_json``, the report); exit 1 on a
    failure."""
    if as_json:
        report = run_checks(
            url, directory, tracking_table=tracking_table, metadata=metadata, with_rows=with_rows
        )
        click.echo(json.dumps({"migrations_dir": str(directory), **report.to_json()}, indent=2))
    else:
        click.echo(f"Checking the migrations in {directory}.")
        report = run_checks(
            url,
            directory,
            tracking_table=tracking_table,
            metadata=metadata,
            with_rows=with_rows,
            on_result=lambda result: click.echo(describe_result(result)),
            on_database=lambda database: click.echo(
                f"On a throwaway {database}, dropped afterwards:"
            ),
        )
        click.echo(summary(report))
    if not report.passed:
        raise click.exceptions.Exit(1)


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
