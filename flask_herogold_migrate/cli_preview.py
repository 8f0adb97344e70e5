"""How the commands show a rehearsal (``--pretend``)."""

from __future__ import annotations

import json
import textwrap

import click

from .core.rehearsal import Rehearsal, RehearsedMigration

_HEADINGS = {"up": "Would migrate", "down": "Would roll back"}


def show_rehearsal(rehearsal: Rehearsal, *, as_json: bool = False) -> None:
    """Print each migration's statements, then what was done; exit 1 if one failed."""
    if as_json:
        click.echo(json.dumps(rehearsal.to_json(), indent=2))
    else:
        for migration in rehearsal.migrations:
            click.echo(_describe(migration, say_why=rehearsal.nothing_executed_because is None))
        click.echo(_outcome(rehearsal))
    failed = rehearsal.failed
    if failed is not None:
        raise click.ClickException(
            f"{_failure(failed)} Nothing was changed: the rehearsal was rolled back."
            if failed.executed
            else f"{_failure(failed)} Nothing was changed."
        )


def _describe(migration: RehearsedMigration, *, say_why: bool) -> str:
    heading = f"{_HEADINGS[migration.direction]}: {migration.name}"
    if not migration.executed and say_why:
        heading += f" (not executed: {migration.not_executed_because})"
    lines = [heading]
    for statement in migration.statements:
        sql = textwrap.indent(textwrap.dedent(statement.sql).strip(), "  ")
        lines.append(sql + ";" + (f" -- params: {statement.params!r}" if statement.params else ""))
    if not migration.statements:
        lines.append("  (no statements)")
    return "\n".join(lines)


def _outcome(rehearsal: Rehearsal) -> str:
    if not rehearsal.migrations:
        return "Nothing to migrate." if rehearsal.direction == "up" else "Nothing to roll back."
    if rehearsal.nothing_executed_because is not None:
        return (
            f"Nothing was executed: {rehearsal.nothing_executed_because}. The statements above "
            "were recorded without being sent to the database, and every read returned no rows."
        )
    if rehearsal.failed is not None:
        return "The rehearsal stopped at the failure."
    count = len(rehearsal.migrations)
    noun = "migration" if count == 1 else "migrations"
    return (
        f"Rehearsed {count} {noun} on {rehearsal.database} in one transaction, then rolled it "
        "back: nothing was changed."
    )


def _failure(failed: RehearsedMigration) -> str:
    if failed.executed:
        return f"Migration {failed.name} would fail in {failed.direction}(): {failed.error}"
    return (
        f"Migration {failed.name} could not be rehearsed: its {failed.direction}() failed: "
        f"{failed.error}"
    )
