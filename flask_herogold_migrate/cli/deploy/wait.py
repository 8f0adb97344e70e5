"""``migrate:wait``: an init container's wait for the release step's migrations.

Exit status 0 once nothing blocking is pending (post-deploy migrations do not block), 1 at
once when a migration is recorded as failed, or as running with no process running it, 2
when the time runs out. It applies nothing: each look is the startup check's one query, and
the migration lock is only tried, without waiting, to tell a live run from a dead one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ...core import MigrationManager, SchemaWaitTimeout
from ...core.deploy.abandoned import refuse_abandoned
from ...core.deploy.wait import (
    DEFAULT_WAIT_INTERVAL,
    DEFAULT_WAIT_TIMEOUT,
    wait_until_migrated,
)
from ...core.runtime.backlog import Backlog
from ...core.settings import as_seconds

CommandFactory = Callable[..., Callable[[Callable[..., Any]], click.Command]]

#: The exit status when the wait runs out (1 is a failed migration, or any other error).
TIMED_OUT = 2


def _seconds(ctx: click.Context, param: click.Parameter, value: Any) -> float:
    seconds = as_seconds(value)
    if seconds is None:
        raise click.BadParameter(f"{value!r} is not a number of seconds.")
    return seconds


def wait_command(
    command: CommandFactory,
    open_manager: Callable[[Path | None, dict[str, Any]], MigrationManager],
) -> click.Command:
    """``migrate:wait``, made with ``build_commands``' factory."""

    @click.option(
        "--interval",
        envvar="HEROGOLD_MIGRATE_WAIT_INTERVAL",
        type=str,
        metavar="SECONDS",
        callback=_seconds,
        default=str(DEFAULT_WAIT_INTERVAL),
        show_default=True,
        help="Seconds between two looks at the tracking table ($HEROGOLD_MIGRATE_WAIT_INTERVAL).",
    )
    @click.option(
        "--timeout",
        envvar="HEROGOLD_MIGRATE_WAIT_TIMEOUT",
        type=str,
        metavar="SECONDS",
        callback=_seconds,
        default=str(DEFAULT_WAIT_TIMEOUT),
        show_default=True,
        help="Seconds to wait before giving up with exit status 2 "
        "($HEROGOLD_MIGRATE_WAIT_TIMEOUT).",
    )
    @command(
        "migrate:wait",
        "Wait until another process (a release job running migrate) has applied every "
        "pending migration, applying nothing: for an init container. Exits with status 0 "
        "once nothing blocking is pending (post-deploy migrations do not block), 1 at once "
        "when a migration is recorded as failed (or as running while no process runs it), 2 "
        "when --timeout runs out.",
    )
    def wait(directory: Path | None, timeout: float, interval: float, **extra: Any) -> None:
        manager = open_manager(directory, extra)

        def show(outstanding: Backlog, seconds_left: float) -> None:
            refuse_abandoned(manager, outstanding.running)
            click.echo(
                f"Waiting up to {seconds_left:.0f} s for the migrations: {outstanding.describe()}.",
                err=True,
            )

        try:
            result = wait_until_migrated(
                manager, interval=interval, timeout=timeout, on_change=show
            )
        except SchemaWaitTimeout as error:
            click.echo(f"Error: {error}", err=True)
            click.get_current_context().exit(TIMED_OUT)
        waited = f" after {result.seconds:.1f} s" if result.seconds else ""
        click.echo(f"The migrations are applied{waited}.")

    return wait
