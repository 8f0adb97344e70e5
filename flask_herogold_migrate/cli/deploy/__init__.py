"""The deploy kit's commands and options: ``migrate:wait``, ``migrate:sql``, and the options of
post-deploy migrations that ``migrate`` and ``migrate:make`` take."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ...core import MigrationManager
from ..targets.fleet import take_policy as take_policy
from .offline import sql_command
from .wait import wait_command

CommandFactory = Callable[..., Callable[[Callable[..., Any]], click.Command]]
OpenManager = Callable[[Path | None, dict[str, Any]], MigrationManager]

SKIP_POST_DEPLOY_OPTION = click.option(
    "--skip-post-deploy",
    is_flag=True,
    help="Leave post-deploy migrations (post_deploy = True) pending, for a run before the "
    "new code is deployed; a plain migrate afterwards applies them.",
)


def post_deploy_option(command: click.Command) -> click.Command:
    """``migrate:make``'s ``--post-deploy``, which ``--autogenerate`` does not take."""
    inner = command.callback
    assert inner is not None

    @functools.wraps(inner)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("later") and kwargs.get("autogenerate"):
            raise click.UsageError("--autogenerate writes the body: leave out --post-deploy.")
        return inner(*args, **kwargs)

    command.callback = checked
    return click.option(
        "--post-deploy",
        "later",
        is_flag=True,
        help="Write a post-deploy migration (post_deploy = True): migrate --skip-post-deploy "
        "and auto-run leave it for the migrate after the deploy.",
    )(command)


def deploy_commands(
    command: CommandFactory,
    open_manager: OpenManager,
) -> list[click.Command]:
    """``migrate:wait`` and ``migrate:sql``, made with ``build_commands``' factory."""
    return [wait_command(command, open_manager), sql_command(command, open_manager)]
