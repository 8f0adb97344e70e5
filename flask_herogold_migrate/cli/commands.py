"""The ``migrate`` commands, shared by ``flask`` and the standalone ``herogold-migrate``.

Each command parses its options, calls one method of :class:`MigrationManager` and formats
what comes back. Where the manager comes from (the Flask app, or ``--database-url``) is the
caller's business: it passes ``open_manager``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from ..core import MigrationManager
from ..core.targets.selection import TargetSource
from . import deploy
from .adopt import adopt_commands
from .fake import FAKE_OPTION, confirm_fake, refuse_fake_pretend
from .fresh import SEEDER_OPTION, fresh_commands, make_seeder
from .repair import FORCE_OPTION, repair_command
from .runs import (
    SINGLE_TRANSACTION_OPTION,
    confirm_undo,
    pretend_options,
    refuse_json,
    run_changes,
    run_rehearsals,
    run_status,
)
from .targets.options import open_chosen, selected, single_source, target_options
from .tools import METADATA_OPTION, tool_commands
from .user_errors import user_errors

#: Builds the manager for a command from ``--dir`` (None when not given) and the caller's
#: own options (for example ``database_url``); keyword arguments, if any, are what differs
#: for this run (``progress``, ``single_transaction``: see ``MigrateSettings.manager``).
OpenManager = Callable[..., MigrationManager]
Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def build_commands(
    open_manager: OpenManager,
    options: Sequence[Decorator] = (),
    decorate: Decorator = lambda f: f,
    make_options: Sequence[Decorator] | None = None,
    options_for: Callable[[str], Sequence[Decorator]] = lambda name: (),
    test_options: Sequence[Decorator] | None = None,
    source: TargetSource | None = None,
) -> list[click.Command]:
    """The commands, each taking ``--dir`` and ``--traceback`` plus the caller's ``options``
    (``make_options`` for ``migrate:make``, ``test_options`` for ``migrate:test``, if given),
    ``options_for(name)`` for the command called ``name`` (innermost), and the options that
    choose among ``source``'s databases (``--bind``, ``--all-tenants``...). Without a
    ``source``, every command runs on the one database ``open_manager`` opens."""
    targets: TargetSource = source if source is not None else single_source(open_manager)

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
                [
                    *(options if own_options is None else own_options),
                    *target_options(name, targets.kinds),
                    *options_for(name),
                ]
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

    def open_one(directory: Path | None, extra: dict[str, Any], **run: Any) -> MigrationManager:
        return open_chosen(targets, open_manager, directory, extra, **run)

    @click.option(
        "--target",
        metavar="NAME",
        help="Apply pending migrations up to and including NAME (full name, or a "
        "description only one file has).",
    )
    @deploy.SKIP_POST_DEPLOY_OPTION
    @FORCE_OPTION
    @FAKE_OPTION
    @SINGLE_TRANSACTION_OPTION
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
        skip_post_deploy: bool,
        **extra: Any,
    ) -> None:
        refuse_fake_pretend(fake, pretend)
        refuse_json(targets.kinds, "migrate", pretend, as_json, extra)
        policy, opened = deploy.take_policy(extra), {"skip_post_deploy": skip_post_deploy}
        if target is not None and extra.get("all_binds"):
            raise click.UsageError("--target names a file of one directory: give --bind NAME too.")
        if fake and not force and (extra.get("all_binds") or extra.get("all_tenants")):
            raise click.UsageError(
                "migrate --fake over many databases records without running on every one: pass "
                "--force to go on. Nothing was done."
            )
        with selected(targets, directory, extra) as plan:
            if pretend:
                rehearse = lambda m: m.pretend_migrations(target)  # noqa: E731
                run_rehearsals(plan, rehearse, as_json=as_json, opened=opened)
                return
            run_changes(
                plan,
                verb="Recorded as applied, not run:" if fake else "Applied",
                work=lambda manager: manager.run_migrations(target, fake=fake),
                single_transaction=single_transaction,
                as_json=as_json,
                confirm=(
                    (lambda m: confirm_fake(m, force, "records the pending migrations as applied"))
                    if fake
                    else lambda m: None
                ),
                policy=policy,
                opened=opened,
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
    @deploy.post_deploy_option
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
        later: bool,
        **extra: Any,
    ) -> None:
        every_tenant = extra.get("all_tenants")  # taken from extra by open_one
        manager = open_one(directory, extra)
        if seeder:
            return make_seeder(manager, name)
        if autogenerate:
            from .autogenerate import make_autogenerated, refuse_with_autogenerate

            refuse_with_autogenerate(create_table or table or sql, every_tenant)

            make_autogenerated(manager, name, models=models, no_input=no_input)
            return
        path = manager.create(name, create=create_table, table=table, sql=sql, post_deploy=later)
        click.echo(f"Created migration {path}")

    @click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
    @click.option(
        "--check",
        is_flag=True,
        help="Exit with status 1 unless every migration is applied (for CI and deploy scripts).",
    )
    @command("migrate:status", "Show every migration: applied, pending, missing or failed.")
    def status(directory: Path | None, as_json: bool, check: bool, **extra: Any) -> None:
        with selected(targets, directory, extra) as plan:
            run_status(plan, as_json=as_json, check=check)

    @click.option(
        "--steps",
        type=click.IntRange(min=1),
        default=1,
        show_default=True,
        help="How many batches to undo.",
    )
    @FORCE_OPTION
    @FAKE_OPTION
    @SINGLE_TRANSACTION_OPTION
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
        refuse_json(targets.kinds, "migrate:rollback", pretend, as_json, extra)
        with selected(targets, directory, extra) as plan:
            if pretend:
                run_rehearsals(plan, lambda m: m.pretend_rollback(steps), as_json=as_json)
                return
            batches = "the last batch" if steps == 1 else f"the last {steps} batches"
            run_changes(
                plan,
                verb="Removed the records, down() not run, of" if fake else "Rolled back",
                work=lambda manager: manager.rollback(steps, fake=fake),
                single_transaction=single_transaction,
                as_json=as_json,
                confirm=confirm_undo(
                    plan, command="migrate:rollback", consequence=f"undoes {batches}", force=force
                ),
                undo=True,
            )

    @FORCE_OPTION
    @SINGLE_TRANSACTION_OPTION
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
        refuse_json(targets.kinds, "migrate:reset", pretend, as_json, extra)
        with selected(targets, directory, extra) as plan:
            if pretend:
                run_rehearsals(plan, MigrationManager.pretend_reset, as_json=as_json)
                return
            run_changes(
                plan,
                verb="Rolled back",
                work=MigrationManager.reset,
                single_transaction=single_transaction,
                as_json=as_json,
                undo=True,
                confirm=confirm_undo(
                    plan,
                    command="migrate:reset",
                    consequence="rolls back every applied migration",
                    force=force,
                    always=True,
                ),
            )

    repair = repair_command(command, open_one)
    adopt = adopt_commands(command, open_one)
    tools = tool_commands(command, targets, test_options)
    rebuild = fresh_commands(command, open_one, targets)  # fresh, refresh, seed
    kit = deploy.deploy_commands(command, open_one)  # migrate:wait, migrate:sql
    return [migrate, make, status, rollback, reset, repair, *tools, *rebuild, *adopt, *kit]
