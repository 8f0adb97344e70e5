"""The ``migrate`` commands, shared by ``flask`` and the standalone ``herogold-migrate``.

Each command parses its options, calls one method of :class:`MigrationManager` and formats
what comes back. Where the manager comes from (the Flask app, or ``--database-url``) is the
caller's business: it passes ``open_manager``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..core import MigrationManager, Progress
from . import protection
from .adopt import adopt_commands
from .fake import FAKE_OPTION, confirm_fake, refuse_fake_pretend
from .fresh import SEEDER_OPTION, fresh_commands, make_seeder
from .output import (
    check_up_to_date,
    print_progress,
    print_progress_to_stderr,
    spare_exit_collection,
    status_table,
    summary,
)
from .repair import FORCE_OPTION, repair_command
from .tools import METADATA_OPTION, tool_commands
from .user_errors import user_errors

if TYPE_CHECKING:
    from ..core.preview.rehearsal import Rehearsal

#: Builds the manager for a command from ``--dir`` (None when not given) and the caller's
#: own options (for example ``database_url``); keyword arguments, if any, are what differs
#: for this run (``progress``, ``single_transaction``: see ``MigrateSettings.manager``).
OpenManager = Callable[..., MigrationManager]
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
        return open_manager(
            directory, extra, progress=print_progress, single_transaction=single_transaction
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
            "--json",
            "as_json",
            is_flag=True,
            help="Print JSON instead of text: the rehearsal of --pretend (statements, "
            "errors, sequences moved on), or the summary of a run over several databases "
            "where the command has --all-binds or --all-tenants.",
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
        from .preview import show_rehearsal  # only for --pretend: the rest starts faster

        progress = print_progress_to_stderr if as_json else print_progress
        manager = open_manager(directory, extra, progress=progress)
        show_rehearsal(rehearse(manager), as_json=as_json)
        return True

    @click.option(
        "--target",
        metavar="NAME",
        help="Apply pending migrations up to and including NAME (full name, or a "
        "description only one file has).",
    )
    @FORCE_OPTION
    @FAKE_OPTION
    @single_transaction_option
    @pretend_options
    @command("migrate", "Apply every pending migration as one new batch.")
    def migrate(
        directory: Path | None,
        target: str | None,
        fake: bool,
        force: bool,
        single_transaction: bool | None,
        pretend: bool,
        as_json: bool,
        **extra: Any,
    ) -> None:
        refuse_fake_pretend(fake, pretend)
        if pretended(directory, extra, pretend, as_json, lambda m: m.pretend_migrations(target)):
            return
        manager = manager_for(directory, extra, single_transaction)
        if fake:
            confirm_fake(manager, force, "records the pending migrations as applied")
        applied = manager.run_migrations(target, fake=fake)
        if not applied:
            click.echo("Nothing to migrate.")
        else:
            spare_exit_collection(applied)
            click.echo(
                summary("Recorded as applied, not run:" if fake else "Applied", applied, manager)
            )

    # Options above a command are listed last to first.
    @METADATA_OPTION
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
    @SEEDER_OPTION
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
        seeder: bool,
        autogenerate: bool,
        no_input: bool,
        models: str | None,
        **extra: Any,
    ) -> None:
        manager = open_manager(directory, extra)
        if seeder:
            return make_seeder(manager, name)
        if autogenerate:
            if create_table or table or sql:
                raise click.UsageError(
                    "--autogenerate writes the body: leave out --create, --table and --sql."
                )
            from .autogenerate import make_autogenerated

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
            click.echo(status_table(result.migrations))
            for file in result.misnamed:
                warning = Progress("misnamed", file.name, "up", reason=file.reason)
                click.echo(warning.describe(), err=True)
        if check:
            check_up_to_date(result)

    @click.option(
        "--steps",
        type=click.IntRange(min=1),
        default=1,
        show_default=True,
        help="How many batches to undo.",
    )
    @FORCE_OPTION
    @FAKE_OPTION
    @single_transaction_option
    @pretend_options
    @command("migrate:rollback", "Undo the last batch (or the last N batches).")
    def rollback(
        directory: Path | None,
        steps: int,
        fake: bool,
        force: bool,
        single_transaction: bool | None,
        pretend: bool,
        as_json: bool,
        **extra: Any,
    ) -> None:
        refuse_fake_pretend(fake, pretend)
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
        undone = manager.rollback(steps, fake=fake)
        spare_exit_collection(undone)
        verb = "Removed the records, down() not run, of" if fake else "Rolled back"
        click.echo(summary(verb, undone, manager) if undone else "Nothing to roll back.")

    @FORCE_OPTION
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
        spare_exit_collection(undone)
        click.echo(summary("Rolled back", undone, manager) if undone else "Nothing to roll back.")

    repair = repair_command(command, open_manager)
    adopt = adopt_commands(command, open_manager)
    tools = tool_commands(command, open_manager, test_options)
    rebuild = fresh_commands(command, open_manager)  # fresh, refresh, seed
    return [migrate, make, status, rollback, reset, repair, *tools, *rebuild, *adopt]
