"""The session a migration gets when its SQL is rendered, not run.

It renders what the migration sends instead of sending it: SQL text with its bound parameters
as literals, and (through ``schema(session)``) Alembic's operations in its offline mode. What
needs a database to answer, such as the rows of a query or a statement's row count, cannot be
known in a script: asking for it raises :class:`UnrenderableMigration`, which names the
migration and what it asked for.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, NoReturn

from sqlalchemy import text
from sqlalchemy.sql.elements import ClauseElement

from ..errors import MigrationError

if TYPE_CHECKING:
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy.engine import Dialect


class UnrenderableMigration(MigrationError):
    """A migration needs a database to run (it reads rows, or uses a statement's result), so
    its SQL cannot be written out ahead of time."""

    def __init__(self, name: str, why: str) -> None:
        self.name = name
        self.why = why
        super().__init__(
            f"Migration {name} cannot be rendered as SQL without a database: it {why}. Apply "
            "it with migrate, or give --skip-unrenderable to leave it as a commented block."
        )


class _Cannot(Exception):
    """Raised inside a step for what offline rendering cannot answer; named by the caller."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def _cannot(why: str) -> NoReturn:
    raise _Cannot(why)


class _UnknownResult:
    """The result of a rendered statement: nothing in it can be known offline."""

    def __init__(self, statement: str) -> None:
        self._statement = " ".join(statement.split())[:60]

    def __getattr__(self, name: str) -> NoReturn:
        _cannot(f"uses the result of a statement ({self._statement!r}: .{name})")

    def __iter__(self) -> Iterator[Any]:
        _cannot(f"reads the rows of a statement ({self._statement!r})")

    def __bool__(self) -> NoReturn:
        _cannot(f"uses the result of a statement ({self._statement!r})")


class _Bind:
    """What ``session.get_bind()`` gives: the dialect, for migrations that look at its name."""

    def __init__(self, session: OfflineSession) -> None:
        self.dialect = session.dialect
        self._session = session

    def execute(self, statement: Any, parameters: Mapping[str, Any] | None = None) -> Any:
        return self._session.execute(statement, parameters)

    def exec_driver_sql(self, statement: str, parameters: Any = None) -> Any:
        if parameters:
            _cannot("sends driver-level SQL with parameters (exec_driver_sql)")
        return self._session.execute(text(statement))

    def __getattr__(self, name: str) -> NoReturn:
        _cannot(f"uses the connection's {name}")


class OfflineSession:
    """Writes what a migration sends to the offline migration context's output."""

    def __init__(self, context: MigrationContext) -> None:
        #: Read by ``schema(session)``: its operations write to the same script.
        self.offline_context = context
        self.dialect: Dialect = context.dialect

    def exec(self, statement: Any, *, params: Any = None, **_: Any) -> Any:
        return self.execute(statement, params)

    def execute(self, statement: Any, params: Any = None, **_: Any) -> Any:
        if isinstance(params, (list, tuple)):  # one statement per parameter set, as run
            results = [self.execute(statement, one) for one in params]
            return results[-1] if results else _UnknownResult(str(statement))
        if isinstance(statement, str):
            statement = text(statement)
        if not isinstance(statement, ClauseElement):
            _cannot(f"sends {type(statement).__name__}, which is not SQL")
        if params and hasattr(statement, "bindparams"):
            statement = statement.bindparams(**params)
        elif params:
            _cannot("sends a statement with separate parameters that cannot be inlined")
        sql = str(statement.compile(dialect=self.dialect, compile_kwargs={"literal_binds": True}))
        self.offline_context.impl.static_output(sql.strip().rstrip(";") + ";")
        return _UnknownResult(sql)

    def connection(self, *_: Any, **__: Any) -> _Bind:
        return _Bind(self)

    def get_bind(self, *_: Any, **__: Any) -> _Bind:
        return _Bind(self)

    def commit(self) -> None:
        """A savepoint's end in a real run: nothing to write."""

    def flush(self, *_: Any, **__: Any) -> None:
        """Nothing is pending: objects are never added offline."""

    def __getattr__(self, name: str) -> NoReturn:
        _cannot(f"calls session.{name}(), which needs a database")
