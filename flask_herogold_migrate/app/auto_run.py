"""What ``HEROGOLD_MIGRATE_AUTO`` does in ``init_app()``: apply the pending migrations of every
migrated bind, or wait until another process has applied them.

Auto-run has no terminal to print to: what it applies goes to the ``flask_herogold_migrate``
logger, at INFO; its warnings (a file it will not run, say) at WARNING.
"""

from __future__ import annotations

import functools
import logging
import os

from flask import Flask

from ..cli.output import summary
from ..core import MigrationError, Progress
from ..core.deploy.wait import wait_until_migrated
from ..core.runtime.backlog import Backlog
from ..core.targets.runs import BindFailed
from .binds import HerogoldMigrate, bind_name, bind_order
from .config import settings_of

logger = logging.getLogger("flask_herogold_migrate")


def auto_run(extension: HerogoldMigrate, app: Flask) -> None:
    """Apply what is pending on each bind, default first; raise at the first failure."""
    binds = bind_order(app)
    for bind in binds:
        prefix = "" if binds == [None] else f"[{bind_name(bind)}] "
        # Many workers start at once: each needs the cross-process lock. Post-deploy
        # migrations are left for the migrate after the deploy.
        manager = extension.manager(
            bind=bind,
            progress=functools.partial(_log_progress, prefix=prefix),
            require_lock=True,
            skip_post_deploy=True,  # they run once the deploy is out
        )
        try:
            applied = manager.run_migrations()
        except MigrationError as error:
            if binds == [None]:
                raise
            later = [bind_name(b) for b in binds[binds.index(bind) + 1 :]]
            raise BindFailed.after(bind_name(bind), error, later) from error
        if applied:
            logger.info(
                "Auto-run in process %d: %s%s",
                os.getpid(),
                prefix,
                summary("Applied", applied, manager),
            )


def wait_for_migrations(extension: HerogoldMigrate, app: Flask) -> None:
    """Apply nothing, but return only once another process has applied every migration."""
    settings = settings_of(app)
    result = wait_until_migrated(
        extension.manager(),
        interval=settings.wait_interval,
        timeout=settings.wait_timeout,
        on_change=_log_waiting,
    )
    if result.seconds:
        logger.info(
            "Process %d: the migrations are applied, after waiting %.1f s.",
            os.getpid(),
            result.seconds,
        )


def _log_waiting(outstanding: Backlog, seconds_left: float) -> None:
    logger.info(
        "Process %d waits up to %.0f s more for another process to apply the migrations: %s.",
        os.getpid(),
        seconds_left,
        outstanding.describe(),
    )


def _log_progress(progress: Progress, prefix: str = "") -> None:
    level = logging.WARNING if progress.is_warning else logging.INFO
    logger.log(level, "%s%s", prefix, progress.describe())
