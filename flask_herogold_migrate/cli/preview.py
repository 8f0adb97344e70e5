"""How the commands show a rehearsal (``--pretend``) and a lint report (``migrate:lint``)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # loaded by the commands that use them: every other command starts faster
    from ..core.preview.lint import LintReport
    from ..core.preview.rehearsal import Rehearsal, RehearsedMigration

_HEADINGS = {"up": "Would migrate", "down": "Would roll back"}


def show_rehearsal(rehearsal: Rehearsal, *, as_json: bool = False) -> None:
    """Print each migration's statements, then what was done; exit 1 if one failed."""
    click.echo(json.dumps(rehearsal.to_json(), indent=2) if as_json else rehearsal_text(rehearsal))
    problem = rehearsal_problem(rehearsal)
    if problem is not None:
        raise click.ClickException(problem)


def rehearsal_text(rehearsal: Rehearsal) -> str:
    """Each migration's statements, then what was done."""
    say_why = rehearsal.nothing_executed_because is None
    shown = [_describe(migration, say_why=say_why) for migration in rehearsal.migrations]
    lines = [*shown, _outcome(rehearsal)]
    if rehearsal.sequences_advanced:
        moved = ", ".join(s.describe() for s in rehearsal.sequences_advanced)
        lines.append(
            f"Except sequences, which a rollback does not set back: {moved} moved on, so "
            "their next values skip the ones the rehearsal used (as after any rolled-back "
            "insert)."
        )
    return "\n".join(lines)


def rehearsal_problem(rehearsal: Rehearsal) -> str | None:
    """Why the real run would fail, in one line; None if it would not."""
    failed = rehearsal.failed
    if failed is None:
        return None
    if failed.may_have_committed:
        return f"{_failure(failed)} The rehearsal could not roll that back: check the database."
    if failed.executed:
        return f"{_failure(failed)} Nothing was changed: the rehearsal was rolled back."
    return f"{_failure(failed)} Nothing was changed."


def _describe(migration: RehearsedMigration, *, say_why: bool) -> str:
    heading = f"{_HEADINGS[migration.direction]}: {migration.name}"
    if not migration.executed and say_why:
        heading += f" (not executed: {migration.not_executed_because})"
    lines = [heading]
    for statement in migration.statements:
        sql = textwrap.indent(_shown_sql(statement.sql), "  ")
        lines.append(sql + ";" + (f" -- params: {statement.params!r}" if statement.params else ""))
    if not migration.statements:
        lines.append("  (no statements)")
    return "\n".join(lines)


def _shown_sql(sql: str) -> str:
    """``sql`` laid out for a terminal: SQLAlchemy's DDL indents with tabs and ends lines
    with a space after each comma."""
    lines = textwrap.dedent(sql.expandtabs(4)).strip().splitlines()
    return "\n".join(line.rstrip() for line in lines)


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


def show_lint(report: LintReport, *, as_json: bool = False, strict: bool = False) -> None:
    """Print each finding, then a summary; exit 1 on a finding or a failed rehearsal.

    A migration that could not be rehearsed because nothing was sent (MySQL and MariaDB, or
    after a ``transactional = False`` step) is a note, not a failure, unless ``strict``: its
    reads returned no rows, so its failure says nothing about the real run.
    """
    click.echo(json.dumps(lint_json(report), indent=2) if as_json else lint_text(report))
    note = lint_note(report, strict=strict)
    if note is not None:
        click.echo(note, err=as_json)
    problem = lint_problem(report, strict=strict)
    if report.failed is not None and problem is not None:
        raise click.ClickException(problem)
    if report.findings:
        click.get_current_context().exit(1)


def lint_text(report: LintReport) -> str:
    """Each finding, then a summary."""
    if report.nothing_to_lint is not None:
        return f"Nothing to lint on {report.database}: {report.nothing_to_lint}."
    lines = []
    for finding in report.findings:
        lines.append(f"{_shown_path(finding.path)}: {finding.rule}")
        lines.append(textwrap.indent(textwrap.dedent(finding.statement).strip(), "  "))
        advice = f" {finding.help}" if finding.help else ""
        lines.append(textwrap.indent(textwrap.fill(finding.message + advice, 96), "  | "))
    silenced = f" ({report.silenced} silenced by lint_ignore)" if report.silenced else ""
    count = len(report.linted)
    pending = f"{count} pending migration" + ("" if count == 1 else "s")
    unrehearsed = report.failed is not None and not report.failed.executed
    if report.failed is not None:
        stopped = "could not be rehearsed" if unrehearsed else "failed"
        pending += f", up to where {report.failed.name} {stopped}"
    if not report.linted:
        lines.append("Nothing to lint: no migration is pending.")
    elif report.findings:
        problems = f"{len(report.findings)} problem" + ("" if len(report.findings) == 1 else "s")
        lines.append(
            f"Found {problems} in {pending}{silenced}. A migration can silence a rule for "
            'itself with lint_ignore = ["rule-name"].'
        )
    else:
        lines.append(f"No problems in {pending}{silenced}.")
    return "\n".join(lines)


def lint_json(report: LintReport) -> dict[str, object]:
    """The document of ``migrate:lint --json``."""
    failed = report.failed
    return {
        "database": report.database,
        "linted": list(report.linted),
        "findings": [
            {
                "migration": f.migration,
                "path": str(f.path),
                "rule": f.rule,
                "statement": textwrap.dedent(f.statement).strip(),
                "message": f.message,
                "help": f.help,
            }
            for f in report.findings
        ],
        "silenced": report.silenced,
        "nothing_to_lint": report.nothing_to_lint,
        "failed": None if failed is None else {"name": failed.name, "error": failed.error},
    }


def _not_linted(report: LintReport) -> str | None:
    if report.failed is None:
        return None
    return (
        f"{_failure(report.failed)} What it would have run after that, and the migrations "
        "after it, were not linted."
    )


def _unrehearsed(report: LintReport) -> bool:
    return report.failed is not None and not report.failed.executed


def lint_note(report: LintReport, *, strict: bool = False) -> str | None:
    """The note on a migration that could not be rehearsed, where it is no failure."""
    not_linted = _not_linted(report)
    if not_linted is None or strict or not _unrehearsed(report):
        return None
    return f"Note: {not_linted} (--strict makes this a failure.)"


def lint_problem(report: LintReport, *, strict: bool = False) -> str | None:
    """Why the report does not pass, in one line; None if it passes."""
    not_linted = _not_linted(report)
    if not_linted is not None and (strict or not _unrehearsed(report)):
        return not_linted
    if report.findings:
        count = len(report.findings)
        return f"{count} problem{'' if count == 1 else 's'} found"
    return None


def _shown_path(path: Path) -> str:
    """``path`` relative to the current directory when it is under it, as a person typed it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
