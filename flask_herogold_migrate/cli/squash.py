"""migrate:squash: shows the squash the core plans, then has it carried out."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..core import MigrationManager
from .output import print_progress, print_progress_to_stderr

CommandFactory = Callable[..., Callable[[Callable[..., Any]], click.Command]]
OpenManager = Callable[..., MigrationManager]


def squash_command(command: CommandFactory, open_manager: OpenManager) -> click.Command:
    @click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")
    @click.option(
        "--pretend", is_flag=True, help="Show the squashed migration; write and change nothing."
    )
    @click.option(
        "--keep",
        is_flag=True,
        help="Keep the replaced files, moved into the squashed/ folder of the migrations "
        "directory (which no run reads), instead of deleting them.",
    )
    @click.option(
        "--name", default="squashed", show_default=True, help="The squashed migration's name."
    )
    @click.option(
        "--to",
        metavar="NAME",
        help="Replace the applied migrations up to and including NAME (default: every applied "
        "one).",
    )
    @command(
        "migrate:squash",
        "Replace the applied migrations (up to --to NAME) by one migration that builds the "
        "same schema, checked on throwaway databases. Where they are all applied, it takes "
        "their place without running; on an empty database it runs instead of them.",
    )
    def squash(
        directory: Path | None,
        to: str | None,
        name: str,
        keep: bool,
        pretend: bool,
        as_json: bool,
        **extra: Any,
    ) -> None:
        from ..core.adopt.squash import plan_squash
        from ..core.adopt.squash import squash as squash_migrations

        progress = print_progress_to_stderr if as_json else print_progress

        manager = open_manager(directory, extra, progress=progress)
        plan = plan_squash(manager, to, name=name)
        if len(plan.batches) > 1:
            first, last = plan.batches[0], plan.batches[-1]
            click.echo(
                f"Warning: the replaced migrations were applied in batches {first} to {last}; "
                f"the squashed one is recorded in batch {first}, so a rollback that reaches it "
                "undoes all of them.",
                err=True,
            )
        for step in plan.data_steps:
            click.echo(
                f"Warning: {step} wrote rows; the squashed migration does not (a TODO in the "
                "file says so).",
                err=True,
            )
        if pretend:
            if as_json:
                click.echo(json.dumps(plan.to_json(), indent=2))
            else:
                click.echo(plan.baseline.source)
                click.echo(
                    f"Would write {plan.stem}.py, replacing {len(plan.replaces)} migrations. "
                    "Nothing was changed.",
                    err=True,
                )
            return
        path = squash_migrations(manager, plan, keep=keep)
        if as_json:
            click.echo(json.dumps({**plan.to_json(), "path": str(path)}, indent=2))
            return
        where = "moved into squashed/" if keep else "deleted"
        click.echo(
            f"Wrote {path}: it replaces {len(plan.replaces)} migrations (their files {where}) "
            "and is recorded as applied here in their place."
        )

    return squash
