"""How a command ends after running over its targets: one summary, one JSON shape.

On one database (no ``--all-*``) a command ends as it always has: its own message, its own
exit status, its own JSON document. Over many it prints, as text, a summary of the state
each target ended in; as JSON, one document::

    {"<kind>s": [{"<kind>": name, "state": ..., "error": ..., <the command's own keys>}],
     "counts": {state: n, ...}, "not_run": [name, ...]}

and exits with status 1 when any target failed or did not pass.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import click

from ...core.targets.runs import BindFailed, TargetResult, describe_failure
from ...core.targets.selection import TargetPlan

R = TypeVar("R")


@dataclass(frozen=True)
class Verdict:
    """How one target ended: its state, and why it did not pass (None if it passed)."""

    state: str
    problem: str | None = None


@dataclass(frozen=True)
class Ending(Generic[R]):
    """What a command says about each target's result, over one database or many."""

    #: The state of a target that ran, and why it did not pass.
    verdict: Callable[[R], Verdict]
    #: On one database: print the end and exit as the command always did.
    end_one: Callable[[R], None]
    #: The command's own keys in a target's JSON entry.
    entry: Callable[[R], dict[str, Any]] = lambda value: {}
    #: The command's own keys in the JSON entry of a target that raised.
    entry_of_error: Callable[[BaseException], dict[str, Any]] = lambda error: {}
    #: How the error line calls targets that did not pass (``failed`` is kept for errors).
    did_not_pass: str = "did not pass"
    #: Print the count of each state after the targets' own output (a run's summary).
    summary: bool = True
    #: Extra top-level keys of the JSON document, made from every result.
    document: Callable[[list[TargetResult[R]]], dict[str, Any]] = field(default=lambda results: {})


def conclude(
    plan: TargetPlan, results: list[TargetResult[R]], ending: Ending[R], *, as_json: bool
) -> None:
    """End the command: as on one database, or with the summary of many."""
    if not plan.many:
        [result] = results
        if result.error is not None:
            raise result.error
        ending.end_one(result.value)  # type: ignore[arg-type]
        return
    rows = []
    for result in results:
        if result.error is not None:
            rows.append((result, Verdict("failed", describe_failure(result.error))))
        else:
            rows.append((result, ending.verdict(result.value)))  # type: ignore[arg-type]
    ran = {result.target.name for result in results}
    not_run = [name for name in plan.names if name not in ran]
    counts: dict[str, int] = {}
    for _, verdict in sorted(rows, key=lambda row: row[1].state == "failed"):
        counts[verdict.state] = counts.get(verdict.state, 0) + 1
    if as_json:
        document = {
            f"{plan.kind}s": [
                {
                    plan.kind: result.target.name,
                    "state": verdict.state,
                    **(
                        ending.entry_of_error(result.error)
                        if result.error is not None
                        else ending.entry(result.value)  # type: ignore[arg-type]
                    ),
                    "error": verdict.problem,
                }
                for result, verdict in rows
            ],
            "counts": counts,
            "not_run": not_run,
            **ending.document(results),
        }
        click.echo(json.dumps(document, indent=2))
    elif ending.summary or any(v.problem for _, v in rows):
        click.echo(_summary(plan, rows, counts, not_run))
    _exit(plan, rows, not_run, ending)


def _summary(
    plan: TargetPlan,
    rows: list[tuple[TargetResult[Any], Verdict]],
    counts: dict[str, int],
    not_run: list[str],
) -> str:
    shown = [f"{n} {state}" for state, n in counts.items()]
    shown += [f"{len(not_run)} not run"] if not_run else []
    lines = [f"{plan.kind.capitalize()}s: {', '.join(shown)} (of {len(plan.targets)})."]
    for state, n in counts.items():
        problems = [(r.target.name, v.problem) for r, v in rows if v.state == state and v.problem]
        names = ", ".join(r.target.name for r, v in rows if v.state == state)
        # A run over binds ends with the error of the one that failed: not said twice.
        if problems and not (plan.stop_at_first_failure and state == "failed"):
            lines.append(f"{state.capitalize()} ({n}):")
            lines += [f"  {name}: {problem}" for name, problem in problems]
        elif len(counts) > 1 or not_run:  # one state for all: the first line says it all
            lines.append(f"{state.capitalize()} ({n}): {names}")
    if not_run:
        lines.append(f"Not run ({len(not_run)}): {', '.join(not_run)}")
    return "\n".join(lines)


def _exit(
    plan: TargetPlan,
    rows: list[tuple[TargetResult[Any], Verdict]],
    not_run: list[str],
    ending: Ending[Any],
) -> None:
    errors = [r for r, _ in rows if r.error is not None]
    if errors and plan.stop_at_first_failure:
        first = errors[0]
        assert first.error is not None
        raise click.ClickException(str(BindFailed.after(first.target.name, first.error, not_run)))
    total = len(plan.targets)
    kind = plan.kind + ("" if total == 1 else "s")
    if errors:
        names = ", ".join(r.target.name for r in errors)
        # Say the others ran only when some did, and fully.
        others = " The others ran." if len(errors) < len(rows) else ""
        if not_run and not plan.stop_at_first_failure:  # a fleet's run stopped early
            others = f" {len(not_run)} were not run."
        raise click.ClickException(f"{len(errors)} of {total} {kind} failed: {names}.{others}")
    behind = [r.target.name for r, v in rows if v.problem is not None]
    if behind:
        raise click.ClickException(
            f"{len(behind)} of {total} {kind} {ending.did_not_pass}: {', '.join(behind)}."
        )
