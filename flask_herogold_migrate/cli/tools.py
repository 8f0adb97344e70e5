"""The commands that check rather than migrate: migrate:check, migrate:lint, migrate:test.

Each imports what it needs when it runs, so the other commands start without it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..core import MigrationManager
from ..core.targets.runs import Target
from ..core.targets.selection import TargetSource
from .targets.ending import Ending, Verdict, conclude
from .targets.options import Output, models_by_target, run_over, selected

if TYPE_CHECKING:
    from ..core.models.check import ModelCheck

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]
CommandFactory = Callable[..., Callable[[Callable[..., Any]], click.Command]]

METADATA_OPTION = click.option(
    "--metadata",
    "models",
    metavar="MODULE:ATTR",
    help="The models' MetaData as an import string (myapp.models:db.metadata; several "
    "separated by commas), instead of HEROGOLD_MIGRATE_METADATA or the models found.",
)


def tool_commands(
    command: CommandFactory,
    source: TargetSource,
    test_options: Sequence[Decorator] | None,
) -> list[click.Command]:
    """migrate:check, migrate:lint and migrate:test, made with ``build_commands``' factory."""

    @click.option(
        "--json", "as_json", is_flag=True, help="Print JSON: pending, failed, differences."
    )
    @METADATA_OPTION
    @command(
        "migrate:check",
        "Exit with status 1 if a migration is pending or failed, or if the models differ "
        "from the database (for CI). Writes nothing.",
    )
    def check(directory: Path | None, as_json: bool, models: str | None, **extra: Any) -> None:
        from .autogenerate import check_metadata, check_problem, check_text, end_check

        with selected(source, directory, extra) as plan:
            metadata = models_by_target(plan, lambda manager: check_metadata(manager, models))

            def one(target: Target, manager: MigrationManager, out: Output) -> ModelCheck:
                models_of = metadata[target.name]
                result = manager.check_models(models_of or [])
                if plan.many and not as_json:
                    out.echo(check_text(result, compared=models_of is not None))
                return result

            def verdict(result: ModelCheck) -> Verdict:
                problem = check_problem(result)
                return Verdict("ok" if problem is None else "not-ok", problem)

            ending: Ending[ModelCheck] = Ending(
                verdict=verdict,
                end_one=lambda result: end_check(
                    result, as_json=as_json, compared=metadata[plan.names[0]] is not None
                ),
                entry=lambda result: result.to_json(),
                did_not_pass="are not migrated or differ from the models",
            )
            conclude(plan, run_over(plan, one, quiet=as_json), ending, as_json=as_json)

    @click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON (for CI).")
    @click.option(
        "--all-rules",
        is_flag=True,
        help="Also run squawk's rules of style and robustness, which are not about locks.",
    )
    @click.option(
        "--strict",
        is_flag=True,
        help="Exit with status 1 when a migration could not be rehearsed (MySQL and MariaDB "
        "send nothing, so its reads return no rows), not only on findings.",
    )
    @command(
        "migrate:lint",
        "Check the pending migrations for statements that would lock or rewrite busy tables.",
    )
    def lint(
        directory: Path | None, all_rules: bool, strict: bool, as_json: bool, **extra: Any
    ) -> None:
        from ..core.preview.lint import LintReport, lint_pending
        from .preview import lint_json, lint_note, lint_problem, lint_text, show_lint

        with selected(source, directory, extra) as plan:

            def one(target: Target, manager: MigrationManager, out: Output) -> LintReport:
                report = lint_pending(manager, all_rules=all_rules)
                note = lint_note(report, strict=strict)
                if plan.many and not as_json:
                    out.echo(lint_text(report))
                if plan.many and note is not None:
                    out.echo(note)
                return report

            def verdict(report: LintReport) -> Verdict:
                problem = lint_problem(report, strict=strict)
                if report.failed is not None and problem is not None:
                    return Verdict("would-fail", problem)
                if problem is not None:
                    return Verdict("findings", problem)
                if report.failed is not None:
                    return Verdict("not-rehearsed")
                return Verdict("nothing-to-lint" if report.nothing_to_lint else "clean")

            ending: Ending[LintReport] = Ending(
                verdict=verdict,
                end_one=lambda report: show_lint(report, as_json=as_json, strict=strict),
                entry=lint_json,
                did_not_pass="have problems",
            )
            conclude(plan, run_over(plan, one, quiet=as_json), ending, as_json=as_json)

    @METADATA_OPTION
    @click.option("--json", "as_json", is_flag=True, help="Print the results as JSON (for CI).")
    @click.option(
        "--with-rows",
        is_flag=True,
        help="Before each step, put a generated row in each empty table, so a step that "
        "cannot keep its rows (a NOT NULL column without a default, a narrowed type) fails.",
    )
    @command(
        "migrate:test",
        "Test the migrations on a throwaway database made beside the app's (or the one of "
        "--database-url), which is dropped afterwards: every file loads, every migration "
        "applies from an empty database, down() puts back exactly the schema up() found, and "
        "the models match the schema. Exits with status 1 on any failure.",
        test_options,
    )
    def test(
        directory: Path | None, as_json: bool, with_rows: bool, models: str | None, **extra: Any
    ) -> None:
        from .checks import test_targets  # only for this command

        test_targets(source, directory, extra, models=models, as_json=as_json, with_rows=with_rows)

    return [lint, check, test]
