"""PostgreSQL: transactional DDL, and a session advisory lock held on the run's connection."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from ..runtime.lock import lock_key64, lock_timeout_error
from .base import DialectImpl, WaitCallback, driver_connection, first_word, split_statements

_LOCK_NOT_AVAILABLE = "55P03"
#: "CREATE INDEX CONCURRENTLY cannot run inside a transaction block", and the like.
_ACTIVE_SQL_TRANSACTION = "25001"

# The lock is scoped by the schema of the table the unqualified tracking table name means:
# the first schema of search_path holding it (as to_regclass() resolves the name, like every
# query of the run), else current_schema(), where the run's CREATE TABLE puts it. A key of
# current_schema() alone would give one table two keys under two search_paths ("other, public"
# and "public"). Where everything is in one schema both keys are the same, so runs of versions
# that keyed on current_schema() still exclude this one.
_DATABASE_AND_SCHEMA = text(
    "SELECT pg_catalog.current_database(), COALESCE("
    "(SELECT n.nspname FROM pg_catalog.pg_class c "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.oid = pg_catalog.to_regclass(pg_catalog.quote_ident(:table))), "
    "pg_catalog.current_schema())"
)
_MAX_LOCK_TIMEOUT_MS = 2**31 - 1  # lock_timeout is a 32-bit integer of milliseconds

#: Server-side TCP keepalives of the run's session (seconds idle, seconds between probes,
#: probes): a migrating host that vanishes without closing its connection is noticed after
#: about a minute, instead of the operating system's two hours and more.
KEEPALIVES = {"tcp_keepalives_idle": 30, "tcp_keepalives_interval": 10, "tcp_keepalives_count": 3}
_KEEPALIVES_NOW = text(
    "SELECT current_setting('tcp_keepalives_idle')::int, "
    "current_setting('tcp_keepalives_interval')::int, "
    "current_setting('tcp_keepalives_count')::int"
)
_SET = text("SELECT pg_catalog.set_config(:name, :value, false)")
_BLOCKERS = text(
    "SELECT a.pid, a.application_name, a.state, a.query FROM pg_catalog.pg_stat_activity a "
    "WHERE a.pid = ANY(pg_catalog.pg_blocking_pids(:pid)) ORDER BY a.pid"
)


class PostgreSQLImpl(DialectImpl):
    name = "postgresql"
    display_name = "PostgreSQL"
    supported = True
    transactional_ddl = True
    join_transaction_mode = "create_savepoint"
    cross_process_lock = True

    names_blockers = True

    def commits_on_its_own(self, statement: str) -> bool:
        return False  # but for COMMIT itself, which a migration has no business sending

    def transaction_open(self, conn: Connection) -> bool | None:
        dbapi_connection = driver_connection(conn)
        info = getattr(dbapi_connection, "info", None)  # psycopg 3
        status = getattr(info, "transaction_status", None)
        if status is None:
            get_status = getattr(dbapi_connection, "get_transaction_status", None)  # psycopg2
            status = get_status() if callable(get_status) else None
        # Both drivers number the states as libpq does: 0 idle, 1 active, 2 in a
        # transaction, 3 in a failed one, 4 unknown.
        return None if status is None else int(status) in (1, 2, 3)

    def notice_dead_client(self, conn: Connection, check_interval: float) -> str | None:
        # Left alone, the server notices a dead client only when it next reads from or writes
        # to it: after the running statement, an index build say, holding the lock meanwhile.
        if check_interval <= 0:
            return None
        with conn.begin():
            now = conn.execute(_KEEPALIVES_NOW).one()
            if all(now):  # all 0 on a Unix socket, where keepalives mean nothing
                for (name, ours), current in zip(KEEPALIVES.items(), now, strict=True):
                    conn.execute(_SET, {"name": name, "value": str(min(ours, current))})
        version = conn.dialect.server_version_info or ()
        if version < (14,):
            shown = ".".join(map(str, version)) or "before 14"
            return (
                f"PostgreSQL {shown} cannot stop a statement whose client died "
                "(client_connection_check_interval came with PostgreSQL 14): if this process "
                "is killed mid-statement, the server finishes the statement before it frees the "
                "migration lock. HEROGOLD_MIGRATE_CONNECTION_CHECK_INTERVAL=0 hides this note."
            )
        milliseconds = max(1, min(int(check_interval * 1000), _MAX_LOCK_TIMEOUT_MS))
        try:
            with conn.begin():
                conn.execute(
                    _SET, {"name": "client_connection_check_interval", "value": f"{milliseconds}"}
                )
        except DBAPIError as error:  # a platform without the check, say
            reason = str(error.orig or error).strip().splitlines()[0]
            return (
                f"The server cannot check that this process is still connected: {reason}. "
                "HEROGOLD_MIGRATE_CONNECTION_CHECK_INTERVAL=0 hides this note."
            )
        return None

    @contextmanager
    def statement_lock_timeout(self, conn: Connection, seconds: float) -> Iterator[None]:
        # On the session, not SET LOCAL: it holds for steps without a transaction too.
        milliseconds = max(1, min(int(seconds * 1000), _MAX_LOCK_TIMEOUT_MS))
        with conn.begin():
            saved = conn.execute(text("SELECT current_setting('lock_timeout')")).scalar_one()
            conn.execute(_SET, {"name": "lock_timeout", "value": f"{milliseconds}"})
        try:
            yield
        finally:
            # The run's connection is closed after the run: putting it back is for tidiness,
            # and must not hide the error of a step.
            if not (conn.invalidated or conn.closed):
                with suppress(DBAPIError), conn.begin():
                    conn.execute(_SET, {"name": "lock_timeout", "value": saved})

    def lock_not_obtained(self, error: DBAPIError) -> bool:
        return _sqlstate(error) == _LOCK_NOT_AVAILABLE

    def session_id(self, conn: Connection) -> int | None:
        with conn.begin():
            pid: int = conn.execute(text("SELECT pg_catalog.pg_backend_pid()")).scalar_one()
        return pid

    def blockers(self, conn: Connection, session_id: int) -> tuple[str, ...]:
        with conn.begin():
            rows = conn.execute(_BLOCKERS, {"pid": session_id}).all()
        return tuple(_describe_session(row) for row in rows)

    def refused_in_a_transaction(self, error: BaseException) -> bool:
        return isinstance(error, DBAPIError) and _sqlstate(error) == _ACTIVE_SQL_TRANSACTION

    @contextmanager
    def locked(
        self, conn: Connection, table: str, timeout: float, on_wait: WaitCallback | None = None
    ) -> Iterator[None]:
        with conn.begin():
            database, schema = conn.execute(_DATABASE_AND_SCHEMA, {"table": table}).one()
        key = lock_key64(database, schema or "", table)
        self._acquire(conn, key, timeout, on_wait)
        try:
            yield
        finally:
            self._release(conn, key)

    def _acquire(
        self, conn: Connection, key: int, timeout: float, on_wait: WaitCallback | None
    ) -> None:
        # Session-level lock taken inside a transaction: it survives the COMMIT.
        with conn.begin():
            if conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
                return
        if timeout > 0:
            if on_wait is not None:
                on_wait(self._holder(conn, key))
            try:
                # SET LOCAL bounds the server-side wait without leaking lock_timeout into the
                # migrations that follow.
                with conn.begin():
                    # At least 1 ms: lock_timeout = 0 would mean waiting for ever.
                    milliseconds = max(1, min(int(timeout * 1000), _MAX_LOCK_TIMEOUT_MS))
                    conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{milliseconds}ms'")
                    conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
                    return
            except DBAPIError as error:
                if _sqlstate(error) != _LOCK_NOT_AVAILABLE:
                    raise
        raise lock_timeout_error(timeout, self._holder(conn, key))

    def _release(self, conn: Connection, key: int) -> None:
        if conn.invalidated or conn.closed:
            return  # the server dropped the lock with the session
        with conn.begin():
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})

    def refused_unrun(self, error: DBAPIError) -> bool:
        # Every statement is atomic, but for the CONCURRENTLY ones (CREATE, DROP and REINDEX
        # INDEX), which commit in steps, leaving an invalid index when they fail midway, and
        # procedures (CALL, DO), which may COMMIT. Several statements in one string commit
        # one by one.
        statements = split_statements(str(error.statement or ""))
        if (
            len(statements) == 1
            and first_word(statements[0]) not in ("CALL", "DO")
            and "CONCURRENTLY" not in statements[0].upper()
        ):
            return True
        return (_sqlstate(error) or "").startswith(_REFUSED_BEFORE_RUNNING)

    def _holder(self, conn: Connection, key: int) -> str | None:
        classid, objid = (key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF
        with conn.begin():
            row = conn.execute(
                text(
                    "SELECT a.pid, a.application_name, a.client_addr, a.backend_start "
                    "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE l.locktype = 'advisory' AND l.granted "
                    "AND l.classid::bigint = :classid AND l.objid::bigint = :objid"
                ),
                {"classid": classid, "objid": objid},
            ).first()
        if row is None:
            return None
        app = f" {row.application_name!r}" if row.application_name else ""
        since = row.backend_start.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
        source = row.client_addr or "local"
        return f"PostgreSQL backend pid {row.pid}{app} from {source}, since {since}"


def _describe_session(row: Any) -> str:
    app = f" {row.application_name!r}" if row.application_name else ""
    query = " ".join(str(row.query or "").split())
    query = query if len(query) <= 100 else query[:97] + "..."
    doing = f"{row.state}: {query}" if query else str(row.state)
    return f"PostgreSQL backend pid {row.pid}{app} ({doing})"


#: Class 42, "syntax error or access rule violation": found while the statement is parsed and
#: analysed, before it does anything.
_REFUSED_BEFORE_RUNNING = "42"


def _sqlstate(error: DBAPIError) -> str | None:
    orig = error.orig
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
