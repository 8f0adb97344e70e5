"""Schema operations in a migration: ``op = schema(session)``, Alembic's operations.

They run on the connection the step's session is bound to, inside its transaction (or
savepoint), exactly as raw SQL sent through the session does: a step made of them commits
with its tracking row or not at all where DDL is transactional, the statement watch sees
them on MySQL and MariaDB, and ``--single-transaction`` and ``transactional = False`` mean
what they mean for raw SQL.

Alembic is imported on the first call, so the startup check, a no-op run and
``migrate:status``, which import no migration, never load it.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any

from .errors import BatchModeRequired

if TYPE_CHECKING:
    from alembic.operations import Operations
    from sqlmodel import Session


def schema(session: Session) -> Operations:
    """Alembic's :class:`~alembic.operations.Operations` on the step's own connection.

    Use it inside ``up()`` and ``down()``::

        op = schema(session)
        op.add_column("users", sa.Column("nickname", sa.String(50)))

    On SQLite, what ``ALTER TABLE`` cannot do (change a column's type or nullability, add
    or drop a constraint) goes in ``with op.batch_alter_table("users") as batch:``, which
    rebuilds the table; outside it, such an operation fails with an error that says so.
    """
    offline = getattr(session, "offline_context", None)
    if offline is not None:  # migrate:sql: the operations write to its script
        return _operations_class()(offline)
    with quiet_alembic_setup():
        from alembic.runtime.migration import MigrationContext

        context = MigrationContext.configure(connection=session.connection())
        return _operations_class()(context)


class _ContextSetupNoise(logging.Filter):
    """Drops what Alembic logs at INFO while this thread loads it and sets up a step's
    context ("setup plugin ...", "Will assume non-transactional DDL."): true of Alembic's own
    runs, noise among a run's progress lines. The app's own Alembic runs keep them."""

    def __init__(self) -> None:
        super().__init__()
        self.active = threading.local()

    def filter(self, record: logging.LogRecord) -> bool:
        return not (getattr(self.active, "on", False) and record.levelno <= logging.INFO)


@cache
def _noise_filter() -> _ContextSetupNoise:
    noise = _ContextSetupNoise()
    # A logger's filters see only its own records, not its children's: each one, by name.
    for name in ("alembic.runtime.migration", "alembic.runtime.plugins"):
        logging.getLogger(name).addFilter(noise)
    return noise


@contextmanager
def quiet_alembic_setup() -> Iterator[None]:
    """Alembic loaded and a context set up without its INFO lines about that."""
    noise = _noise_filter()
    noise.active.on = True
    try:
        yield
    finally:
        noise.active.on = False


@contextmanager
def alembic_op(session: Session) -> Iterator[Operations]:
    """Alembic's own ``op`` (``from alembic import op``) bound to the step's connection, for
    as long as the block lasts: a revision converted by ``migrate:adopt --from-alembic``
    runs its ``upgrade()`` and ``downgrade()`` unchanged inside it::

        def up(self, session):
            with alembic_op(session):
                upgrade()
    """
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    context = MigrationContext.configure(connection=session.connection())
    with Operations.context(context) as op:
        yield op


@cache
def _operations_class() -> type[Operations]:
    from alembic.operations import Operations
    from alembic.operations.ops import AlterColumnOp, MigrateOperation

    class MigrationOperations(Operations):
        """Alembic's operations, with SQLite's limits named in terms of batch mode."""

        def invoke(self, operation: MigrateOperation) -> Any:
            if self.migration_context.dialect.name != "sqlite":
                return super().invoke(operation)
            if isinstance(operation, AlterColumnOp) and _changes_more_than_name(operation):
                raise _batch_mode_required(operation, "change a column other than renaming it")
            try:
                return super().invoke(operation)
            except NotImplementedError as error:
                # Alembic's SQLite implementation refuses ALTER of constraints this way.
                raise _batch_mode_required(operation, "add or drop a constraint") from error

    return MigrationOperations


def _changes_more_than_name(operation: Any) -> bool:
    # Alembic's defaults for what an alter_column() leaves as it is: None and False.
    return (
        operation.modify_type is not None
        or operation.modify_nullable is not None
        or operation.modify_server_default is not False
        or operation.modify_comment is not False
    )


def _batch_mode_required(operation: Any, what: str) -> BatchModeRequired:
    table = getattr(operation, "table_name", None)
    # The operation's class names its method: CreateUniqueConstraintOp, create_unique_constraint.
    words = re.findall(r"[A-Z][a-z]*", type(operation).__name__.removesuffix("Op"))
    method = "_".join(words).lower()
    return BatchModeRequired(
        f"SQLite's ALTER TABLE cannot {what}, so {method}() must run in batch mode, which "
        f'rebuilds the table with the change: with op.batch_alter_table("{table or "..."}") '
        f"as batch: batch.{method}(...) (see Writing migrations)",
        table=table,
    )
