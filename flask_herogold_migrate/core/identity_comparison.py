"""Identity columns in a comparison, kept away from a callable ``compare_server_default``.

Alembic calls a callable ``compare_server_default`` (which :mod:`.compare` gives it, to
accept defaults spelt otherwise) first for every column, and to call it, it reads the text of
the reflected default, which an identity column on PostgreSQL does not have: the comparison
fails with ``AttributeError: 'Identity' object has no attribute 'arg'``. This plugin runs
before it, on PostgreSQL, and hands a column whose default is an identity or a sequence to
Alembic's own identity comparison instead, so the callable never sees it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

PLUGIN_NAME = "flask_herogold_migrate.identity"


@cache
def identity_plugin() -> str:
    """The plugin's name, for ``autogenerate_plugins``; registered with Alembic once."""
    from alembic.runtime.plugins import Plugin
    from alembic.util import DispatchPriority

    plugin = Plugin(PLUGIN_NAME)
    # A comparator of the dialect runs before the dialect-neutral ones of the same priority.
    plugin.add_autogenerate_comparator(
        _compare_identity,
        "column",
        "server_default",
        qualifier="postgresql",
        priority=DispatchPriority.FIRST,
    )
    return PLUGIN_NAME


def _compare_identity(
    autogen_context: Any,
    alter_column_op: Any,
    schema: str | None,
    table: str,
    column: str,
    conn_col: Any,
    metadata_col: Any,
) -> Any:
    from alembic.autogenerate.compare import server_defaults
    from alembic.util import PriorityDispatchResult
    from sqlalchemy import Identity, Sequence

    defaults = (conn_col.server_default, metadata_col.server_default)
    if not any(isinstance(default, (Identity, Sequence)) for default in defaults):
        return PriorityDispatchResult.CONTINUE
    alter_column_op.existing_server_default = conn_col.server_default  # as the callable sets it
    server_defaults._compare_identity_default(
        autogen_context, alter_column_op, schema, table, column, conn_col, metadata_col
    )
    return PriorityDispatchResult.STOP
