"""What the commands print: progress lines, tables, summaries.

On a terminal, what was applied is green, what failed red and warnings yellow. Click strips
the colour when the stream is not a terminal (a pipe, a log file, CI), and ``NO_COLOR``
(https://no-color.org) turns it off everywhere.
"""

from __future__ import annotations

import atexit
import gc
import os

import click

from ..core import MigrationManager, Progress
from ..core.runtime.repair import RepairKind, RepairPlan
from ..core.runtime.status import MigrationStatus, Status
from ..core.states import ShownState


def spare_exit_collection(names_run: list[str]) -> None:
    """Let a command that loaded migrations exit without garbage-collecting them.

    The command ends its process. The interpreter's shutdown would walk every object several
    times, which costs noticeably once a thousand migration modules are loaded (see
    ``benchmarks/results/``); freezing them at exit skips that walk. Only a process that ran
    a command is concerned, and only as it exits. Objects are still released by reference
    counting, files flushed and atexit handlers run; the operating system takes back the
    rest of the memory.
    """
    if names_run:
        atexit.unregister(gc.freeze)  # once per process, however many commands ran
        atexit.register(gc.freeze)


def print_progress(progress: Progress) -> None:
    echo_progress(progress)


def print_progress_to_stderr(progress: Progress) -> None:
    """Progress for a command whose standard output is JSON: all of it on standard error."""
    echo_progress(progress, err=True)


def summary(verb: str, names: list[str], manager: MigrationManager) -> str:
    count = f"{len(names)} migration" + ("" if len(names) == 1 else "s")
    # Say so: a single-transaction run printed its "Migrated:" lines before its one commit.
    return f"{verb} {count}{' in one transaction' if manager.single_transaction else ''}."


# What migrate:status --check fails on: anything but every file applied.
_NOT_UP_TO_DATE: tuple[ShownState, ...] = ("pending", "failed", "running", "missing")
_WHAT_IT_MEANS = {"missing": " (applied, but this code has no file for it)"}


def check_up_to_date(status: Status) -> None:
    counts = status.counts()
    behind = [
        f"{counts[state]} {state}{_WHAT_IT_MEANS.get(state, '')}"
        for state in _NOT_UP_TO_DATE
        if counts[state]
    ]
    if behind:
        raise click.ClickException(f"The database is not up to date: {', '.join(behind)}.")


# What repair does to each record, as the plan lists it.
_REPAIRS: dict[RepairKind, str] = {
    "remove_failed_up": "Failed in up(), record to remove:",
    "restore_failed_down": "Failed in down(), to restore as applied:",
    "realign_checksum": "Checksum to update:",
    "forget_missing": "File missing, record to forget:",
    "rename": "File renamed, record to follow it:",
}
_REPAIR_WIDTH = max(map(len, _REPAIRS.values()))


def repair_table(plan: RepairPlan) -> str:
    return "\n".join(
        f"{_REPAIRS[a.kind]:<{_REPAIR_WIDTH}} {a.name}"
        + (f" -> {a.new_name}" if a.new_name else "")
        for a in plan.actions
    )


def status_table(entries: list[MigrationStatus]) -> str:
    if not entries:
        return "No migrations found."
    rows = [("Migration", "State", "Batch", "Applied at")]
    for entry in entries:
        state = entry.state + (f" in {entry.step}()" if entry.step else "")
        state += " (modified)" if entry.modified else ""
        state += " (out of order)" if entry.out_of_order else ""
        state += " (post-deploy)" if entry.post_deploy else ""
        if entry.renamed:
            way = "from" if entry.state == "pending" else "to"
            state += f" (renamed {way} {entry.renamed})"
        applied_at = "" if entry.applied_at is None else entry.applied_at.isoformat()
        rows.append(
            (
                entry.name,
                state,
                str(entry.batch or ""),
                applied_at.replace("T", " ").replace("+00:00", " UTC"),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def colour() -> bool | None:
    """False when ``NO_COLOR`` is set; else None, which lets Click decide per stream."""
    return False if os.environ.get("NO_COLOR") else None


def styled(progress: Progress) -> str:
    text = progress.describe()
    if progress.event == "done":
        return click.style(text, fg="green")
    if progress.event == "still_running":
        return click.style(text, fg="cyan")
    if progress.is_warning:
        return click.style(text, fg="yellow")
    return text


def echo_progress(progress: Progress, *, err: bool = False) -> None:
    click.echo(styled(progress), err=err or progress.is_warning, color=colour())


def failure(message: str) -> str:
    """An error's message, in red where colour is shown."""
    return message if colour() is False else click.style(message, fg="red")
