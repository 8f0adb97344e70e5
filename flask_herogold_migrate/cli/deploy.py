"""The deploy kit's commands and options: ``migrate:wait``, ``migrate:sql``, and the options of
post-deploy migrations that ``migrate`` and ``migrate:make`` take."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypedDict

import click

from ..core import MigrationManager
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
        if kwargs.get("post_deploy") and kwargs.get("autogenerate"):
            raise click.UsageError("--autogenerate writes the body: leave out --post-deploy.")
        return inner(*args, **kwargs)

    command.callback = checked
    return click.option(
        "--post-deploy",
        is_flag=True,
        help="Write a post-deploy migration (post_deploy = True): migrate --skip-post-deploy "
        "and auto-run leave it for the migrate after the deploy.",
    )(command)


class NewFileKind(TypedDict):
    post_deploy: bool


def kind(extra: dict[str, Any]) -> NewFileKind:
    """What ``migrate:make``'s ``--post-deploy`` (left among the caller's options) asks for."""
    return {"post_deploy": bool(extra.get("post_deploy"))}


def with_deploy_options(open_manager: OpenManager) -> OpenManager:
    """``open_manager``, its manager set up as ``--skip-post-deploy`` says (the option stays
    among the caller's options, so that every way a command opens a manager sees it)."""

    def opened(directory: Path | None, extra: dict[str, Any]) -> MigrationManager:
        manager = open_manager(directory, extra)
        manager.skip_post_deploy = bool(extra.get("skip_post_deploy"))
        return manager

    return opened


def deploy_commands(
    command: CommandFactory,
    open_manager: OpenManager,
) -> list[click.Command]:
    """``migrate:wait`` and ``migrate:sql``, made with ``build_commands``' factory."""
    return [wait_command(command, open_manager), sql_command(command, open_manager)]
