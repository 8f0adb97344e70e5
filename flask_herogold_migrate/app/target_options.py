"""The Flask app's databases, as the commands' targets: the default bind, ``--bind NAME``,
``--all-binds``, ``--tenant NAME`` and ``--all-tenants`` (:mod:`.cli.targets` has the options
and the command bodies; this is where the app's binds and tenants come from)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import current_app

from ..core.targets.runs import Target
from ..core.targets.selection import Selection, TargetKind
from .binds import (
    all_tenant_targets,
    bind_target,
    bind_targets,
    one_tenant_target,
    tenant_dir,
)

if TYPE_CHECKING:
    from .binds import HerogoldMigrate


class FlaskTargets:
    """The :class:`~.core.targets.selection.TargetSource` of ``flask migrate*``."""

    kinds: tuple[TargetKind, ...] = ("bind", "tenant")

    @contextmanager
    def targets(
        self, selection: Selection, directory: Path | None, extra: dict[str, Any]
    ) -> Iterator[list[Target]]:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        extension: HerogoldMigrate = app.extensions["herogold_migrate"].extension
        if selection.all_binds:
            yield bind_targets(extension, app)
        elif selection.all_tenants:
            with all_tenant_targets(extension, app, directory) as targets:
                yield targets
        elif selection.tenant is not None:
            yield [one_tenant_target(extension, app, selection.tenant, directory)]
        else:
            yield [bind_target(extension, selection.bind, directory)]

    def tenant_dir(self, extra: dict[str, Any]) -> Path:
        return tenant_dir(current_app._get_current_object())  # type: ignore[attr-defined]
