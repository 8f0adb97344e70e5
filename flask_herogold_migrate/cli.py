"""The ``migrate`` commands, shared by ``flask`` and the standalone ``herogold-migrate``.

Each command parses its options, calls one method of :class:`MigrationManager` and formats
what comes back. Where the manager comes from (the Flask app, or ``--database-url``) is the
caller's business: it passes ``open_manager``.
"""

from __future__ import annotations

import atexit
import functools
import gc
import json
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from sqlalchemy.exc import SQLAlchemyError

from . import protection
from .core import MigrationError, MigrationManager, Progress
from .core.plan import RepairKind, RepairPlan
from .core.states import ShownState
from .core.status import MigrationStatus, Status

if TYPE_CHECKING:
    from .core.rehearsal import Rehearsal

#: Builds the manager for a command from ``--dir`` (None when not given) and the caller's
#: own options (for example ``database_url``).
OpenManager = Callable[[Path | None, dict[str, Any]], MigrationManager]
Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]
_Decorated = TypeVar("_Decorated", bound=Callable[..., Any])


def build_commands(
    open_manager: OpenManager,
    options: Sequence[Decorator] = (),
    decorate: Decorator = lambda f: f,
    make_options: Sequence[Decorator] | None = None,
    options_for: Callable[[str], Sequence[Decorator]] = lambda name: (),
    test_options: Sequence[Decorator] | None = None,
) -> list[click.Command]:
    """The commands, each taking ``--dir`` and ``--traceback`` plus the caller's ``options``
    (``make_options`` for ``migrate:make``, ``test_options`` for ``migrate:test``, if given),
    and ``options_for(name)`` for the command called ``name`` (innermost)."""

    def command(
        name: str, help_text: str, own_options: Sequence[Decorator] | None = None
    ) -> Callable[[Callable[..., Any]], click.Command]:
        def wrap(body: Callable[..., Any]) -> click.Command:
            @functools.wraps(body)
            def guarded(*args: Any, traceback: bool, **kwargs: Any) -> Any:
                with user_errors(show_traceback=traceback):
                    return body(*args, **kwargs)

            function: Callable[..., Any] = guarded

            for option in reversed(
                [*(options if own_options is None else own_options), *options_for(name)]
            ):
                function = option(function)
            function = click.option(
                "--traceback",
                is_flag=True,
                help="On an error, show its full traceback, with the errors that caused it.",
            )(function)
            function = click.option(
                "--dir",
                "directory",
                type=click.Path(file_okay=False, path_type=Path),
                help="Migrations directory (relative to the current directory), instead of "
                "the configured one.",
            )(function)
            return click.command(name, help=help_text)(decorate(function))

        return wrap

    def manager_for(
        directory: Path | None, extra: dict[str, Any], single_transaction: bool | None
    ) -> MigrationManager:
        manager = open_manager(directory, extra)
        manager.progress = _print_progress
        if single_transaction is not None:
            manager.single_transaction = single_transaction
        return manager

    force_option = click.option(
        "--force",
        is_flag=True,
        help="Do not ask for confirmation (needed without a terminal where "
        "HEROGOLD_MIGRATE_PROTECTED is on).",
    )
    single_transaction_option = click.option(
        "--single-transaction/--transaction-per-migration",
        default=None,
        help="Run the whole command in one transaction, committed at the end or not at all "
        "(SQLite, PostgreSQL), or commit each migration with its record (the default, unless "
        "configured otherwise).",
    )

    def pretend_options(function: _Decorated) -> _Decorated:
        function = click.option(
            "--json", "as_json", is_flag=True, help="With --pretend: print JSON."
        )(function)
        return click.option(
            "--pretend",
            is_flag=True,
            help="Show the SQL each migration would run, and change nothing: on SQLite and "
            "PostgreSQL the run is rehearsed in a transaction that is rolled back; on MariaDB "
            "and MySQL the statements are recorded without being sent.",
        )(function)

    def pretended(
        directory: Path | None,
        extra: dict[str, Any],
        pretend: bool,
        as_json: bool,
        rehearse: Callable[[MigrationManager], Rehearsal],
    ) -> bool:
        """Show what ``rehearse`` finds, if --pretend was given; return whether it was."""
        if as_json and not pretend:
            raise click.UsageError("--json goes with --pretend.")
        if not pretend:
            return False
        from .cli_preview import show_rehearsal  # only for --pretend: the rest starts faster

        manager = open_manager(directory, extra)
        manager.progress = _print_progress_to_stderr if as_json else _print_progress
        show_rehearsal(rehearse(manager), as_json=as_json)
        return True

    @click.option(
        "--target",
        metavar="NAME",
        help="Apply pending migrations up to and including NAME (full name, or a "
        "description only one file has).",
    )
    @single_transaction_option
    @pretend_options
    @command("migrate", "Apply every pending migration as one new batch.")
    def migrate(
        directory: Path | None,
        target: str | None,
        single_transaction: bool | None,
        pretend: bool,
        as_json: bool,
        **extra: Any,
    ) -> None:
        if pretended(directory, extra, pretend, as_json, lambda m: m.pretend_migrations(target)):
            return
        manager = manager_for(directory, extra, single_transaction)
        applied = manager.run_migrations(target)
        if not applied:
            click.echo("Nothing to migrate.")
        else:
            _spare_exit_collection(applied)
            click.echo(summary("Applied", applied, manager))

    metadata_option = click.option(
        "--metadata",
        "models",
        metavar="MODULE:ATTR",
        help="The models' MetaData as an import string (myapp.models:db.metadata; several "
        "separated by commas), instead of HEROGOLD_MIGRATE_METADATA or the models found.",
    )

    # Options above a command are listed last to first.
    @metadata_option
    @click.option(
        "--no-input",
        is_flag=True,
        help="With --autogenerate: ask nothing; a likely rename stays a drop and an add, "
        "with a warning (as when standard input is not a terminal).",
    )
    @click.option(
        "--autogenerate",
        is_flag=True,
        help="Write the migration that makes the database match the models (compared with "
        "the fully migrated database). Without changes, writes nothing.",
    )
    @click.option("--sql", is_flag=True, help="Write raw SQL statements, not schema operations.")
    @click.option(
        "--table", metavar="TABLE", help="Write a batch_alter_table(TABLE) block, up and down."
    )
    @click.option(
        "--create", "create_table", metavar="TABLE", help="Write create_table(TABLE) and its drop."
    )
    @click.argument("name")
    @command(
        "migrate:make",
        "Create a new migration file named YYYYMMDD_NAME.py. A NAME like create_posts_table "
        "writes create_table('posts'); one like add_slug_to_posts_table, a batch_alter_table"
        "('posts') block.",
        make_options,
    )
    def make(
        directory: Path | None,
        name: str,
        create_table: str | None,
        table: str | None,
        sql: bool,
        autogenerate: bool,
        no_input: bool,
        models: str | None,
        **extra: Any,
    ) -> None:
        manager = open_manager(directory, extra)
        if autogenerate:
            if create_table or table or sql:
                raise click.UsageError(
                    "--autogenerate writes the body: leave out --create, --table and --sql."
                )
            from .cli_autogenerate import make_autogenerated

            make_autogenerated(manager, name, models=models, no_input=no_input)
            return
        path = manager.create(name, create=create_table, table=table, sql=sql)
        click.echo(f"Created migration {path}")

    @click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
    @click.option(
        "--check",
        is_flag=True,
        help="Exit with status 1 unless every migration is applied (for CI and deploy scripts).",
    )
    @command("migrate:status", "Show every migration: applied, pending, missing or failed.")
    def status(directory: Path | None, as_json: bool, check: bool, **extra: Any) -> None:
        result = open_manager(directory, extra).status()
        if as_json:
            click.echo(json.dumps(result.to_json(), indent=2))
        else:
            click.echo(_status_table(result.migrations))
            for file in result.misnamed:
                warning = Progress("misnamed", file.name, "up", reason=file.reason)
                click.echo(warning.describe(), err=True)
        if check:
            _check_up_to_date(result)

    @click.option(
        "--steps",
        type=click.IntRange(min=1),
        default=1,
        show_default=True,
        help="How many batches to undo.",
    )
    @force_option
    @single_transaction_option
    @pretend_options
    @command("migrate:rollback", "Undo the last batch (or the last N batches).")
    def rollback(
        directory: Path | None,
        steps: int,
        force: bool,
        single_transaction: bool | None,
        pretend: bool,
        as_json: bool,
        **extra: Any,
    ) -> None:
        if pretended(directory, extra, pretend, as_json, lambda m: m.pretend_rollback(steps)):
            return
        manager = manager_for(directory, extra, single_transaction)
        batches = "the last batch" if steps == 1 else f"the last {steps} batches"
        protection.confirm(
            protected=manager.protected,
            force=force,
            command="migrate:rollback",
            consequence=f"undoes {batches}",
        )
        undone = manager.rollback(steps)
        _spare_exit_collection(undone)
        click.echo(summary("Rolled back", undone, manager) if undone else "Nothing to roll back.")

    @force_option
    @single_transaction_option
    @pretend_options
    @command("migrate:reset", "Undo every applied migration.")
    def reset(
        directory: Path | None,
        force: bool,
        single_transaction: bool | None,
        pretend: bool,
        as_json: bool,
        **extra: Any,
    ) -> None:
        if pretended(directory, extra, pretend, as_json, MigrationManager.pretend_reset):
            return
        manager = manager_for(directory, extra, single_transaction)
        protection.confirm(
            protected=manager.protected,
            force=force,
            command="migrate:reset",
            consequence="rolls back every applied migration",
            always=True,
        )
        undone = manager.reset()
        _spare_exit_collection(undone)
        click.echo(summary("Rolled back", undone, manager) if undone else "Nothing to roll back.")

    @force_option
    @click.option(
        "--forget-missing",
        is_flag=True,
        help="Also remove the records of applied migrations whose file is gone, without "
        "running anything.",
    )
    @click.option(
        "--rename-moved",
        is_flag=True,
        help="Also make the record of an applied migration whose file was renamed (same "
        "content, new name) name the new file.",
    )
    @command("migrate:repair", "Clear failed records and store the checksums of changed files.")
    def repair(
        directory: Path | None,
        force: bool,
        forget_missing: bool,
        rename_moved: bool,
        **extra: Any,
    ) -> None:
        manager = open_manager(directory, extra)
        plan = manager.plan_repair(
            realign_checksums=True, forget_missing=forget_missing, rename_moved=rename_moved
        )
        if plan.kept_renames:
            renames = ", ".join(f"{old} -> {new}" for old, new in plan.kept_renames)
            click.echo(
                f"Kept the records of renamed files ({renames}): --rename-moved follows them."
            )
        if plan.kept_missing:
            click.echo(
                f"Kept the records of missing files ({', '.join(plan.kept_missing)}): "
                "--forget-missing removes them."
            )
        if not plan.actions:
            click.echo("Nothing to repair.")
            return
        click.echo(_repair_table(plan))
        protection.confirm(
            protected=manager.protected,
            force=force,
            command="migrate:repair",
            consequence="changes the records listed above",
            always=True,
        )
        result = manager.repair(plan)
        forgot = f", forgot {len(result.forgotten)} of missing files" if forget_missing else ""
        renamed = f", followed {len(result.renamed)} renamed file(s)" if rename_moved else ""
        click.echo(
            f"Removed {len(result.removed)} failed record(s), restored "
            f"{len(result.restored)} as applied, updated {len(result.realigned)} "
            f"checksum(s){forgot}{renamed}."
        )

    @click.option(
        "--json", "as_json", is_flag=True, help="Print JSON: pending, failed, differences."
    )
    @metadata_option
    @command(
        "migrate:check",
        "Exit with status 1 if a migration is pending or failed, or if the models differ "
        "from the database (for CI). Writes nothing.",
    )
    def check(directory: Path | None, as_json: bool, models: str | None, **extra: Any) -> None:
        from .cli_autogenerate import show_check

        show_check(open_manager(directory, extra), models=models, as_json=as_json)

    @click.option(
        "--all-rules",
        is_flag=True,
        help="Also run squawk's rules of style and robustness, which are not about locks.",
    )
    @command(
        "migrate:lint",
        "Check the pending migrations for statements that would lock or rewrite busy tables.",
    )
    def lint(directory: Path | None, all_rules: bool, **extra: Any) -> None:
        from .cli_preview import show_lint
        from .core.lint import lint_pending

        manager = open_manager(directory, extra)
        manager.progress = _print_progress
        show_lint(lint_pending(manager, all_rules=all_rules))

    @metadata_option
    @click.option("--json", "as_json", is_flag=True, help="Print the results as JSON (for CI).")
    @command(
        "migrate:test",
        "Test the migrations on a throwaway database made beside the app's (or the one of "
        "--database-url), which is dropped afterwards: every file loads, every migration "
        "applies from an empty database, down() puts back exactly the schema up() found, and "
        "the models match the schema. Exits with status 1 on any failure.",
        test_options,
    )
    def test(directory: Path | None, as_json: bool, models: str | None, **extra: Any) -> None:
        from .cli_checks import run_migration_checks  # only for this command
        from .core.models import resolve_model_metadata

        manager = open_manager(directory, extra)
        run_migration_checks(
            extra.get("database_url") or manager.engine.url,
            manager.migrations_dir,
            tracking_table=manager.tracking.name,
            metadata=resolve_model_metadata(models),
            as_json=as_json,
        )

    return [migrate, make, status, rollback, reset, repair, lint, check, test]


@contextmanager
def user_errors(*, show_traceback: bool = False) -> Iterator[None]:
    """Turn what a user can cause into one message and exit status 1, never a traceback.

    ``show_traceback`` prints the full chained traceback first (``--traceback``).
    """
    try:
        yield
    except (MigrationError, SQLAlchemyError) as error:
        if show_traceback:
            click.echo("".join(traceback.format_exception(error)).rstrip(), err=True)
        if isinstance(error, MigrationError):
            raise click.ClickException(str(error)) from None
        orig = getattr(error, "orig", None)
        detail = str(orig if orig is not None else error).strip().splitlines()
        raise click.ClickException(f"Database error: {detail[0] if detail else error}") from None


def _spare_exit_collection(names_run: list[str]) -> None:
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


def _print_progress(progress: Progress) -> None:
    click.echo(progress.describe(), err=progress.is_warning)


def _print_progress_to_stderr(progress: Progress) -> None:
    """Progress for a command whose standard output is JSON: all of it on standard error."""
    click.echo(progress.describe(), err=True)


def summary(verb: str, names: list[str], manager: MigrationManager) -> str:
    count = f"{len(names)} migration" + ("" if len(names) == 1 else "s")
    # Say so: a single-transaction run printed its "Migrated:" lines before its one commit.
    return f"{verb} {count}{' in one transaction' if manager.single_transaction else ''}."


# What migrate:status --check fails on: anything but every file applied.
_NOT_UP_TO_DATE: tuple[ShownState, ...] = ("pending", "failed", "running", "missing")
_WHAT_IT_MEANS = {"missing": " (applied, but this code has no file for it)"}


def _check_up_to_date(status: Status) -> None:
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


def _repair_table(plan: RepairPlan) -> str:
    return "\n".join(
        f"{_REPAIRS[a.kind]:<{_REPAIR_WIDTH}} {a.name}"
        + (f" -> {a.new_name}" if a.new_name else "")
        for a in plan.actions
    )


def _status_table(entries: list[MigrationStatus]) -> str:
    if not entries:
        return "No migrations found."
    rows = [("Migration", "State", "Batch", "Applied at")]
    for entry in entries:
        state = entry.state + (f" in {entry.step}()" if entry.step else "")
        state += " (modified)" if entry.modified else ""
        state += " (out of order)" if entry.out_of_order else ""
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
