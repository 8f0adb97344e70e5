"""Databases on a server, lent to one test at a time.

``CREATE DATABASE`` and ``DROP DATABASE`` cost PostgreSQL far more than a test that uses the
database: it copies a template and checkpoints. So a PostgreSQL database is made once per
session and emptied when a test gives it back: every session still connected to it ends,
every schema goes (``public`` with its owner, privileges and comment made again), and the
database is then compared with what it was when new. Anything left that the comparison sees
(an object outside a schema, a setting of the database) drops it, and the next test gets a new
one, so no test ever sees another's leftovers. MariaDB makes and drops a database cheaply: it
keeps one database per test.
"""

from __future__ import annotations

import contextlib
import uuid

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

# Objects made by users have OIDs from here on; the template's own are below.
_FIRST_USER_OID = 16384
_USER_SCHEMAS = (
    "nspname NOT IN ('pg_catalog', 'information_schema') "
    r"AND nspname NOT LIKE 'pg\_toast%' AND nspname NOT LIKE 'pg\_temp\_%'"
)


class DatabasePool:
    """The databases of one server: ``take`` a database, ``give_back`` it after the test."""

    def __init__(self, dialect: str, admin_url: str, admin: Engine) -> None:
        self.dialect = dialect
        self._admin_url = admin_url
        self._admin = admin
        self._free: list[str] = []
        self._made: list[str] = []
        self._pristine: dict[str, frozenset[tuple[str, str]]] = {}
        self._scripts: dict[str, str] = {}
        self._state_query: str | None = None
        self._connections: dict[str, Connection] = {}

    def url(self, name: str) -> str:
        return make_url(self._admin_url).set(database=name).render_as_string(hide_password=False)

    def take(self) -> str:
        """The name of an empty database no other test holds."""
        if self._free:
            return self._free.pop()
        name = f"hgm_{uuid.uuid4().hex[:12]}"
        with self._admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        self._made.append(name)
        if self.dialect == "postgresql":
            conn = self._connection(name)
            self._pristine[name] = self._state(conn)
            self._scripts[name] = self._reset_script(conn)
        return name

    def give_back(self, name: str) -> None:
        """Empty ``name`` for the next test, or drop it if it cannot be made as new."""
        if self.dialect == "postgresql" and self._reset(name):
            self._free.append(name)
            return
        self._drop(name)

    def close(self) -> None:
        for name in list(self._made):
            self._drop(name)

    # -- PostgreSQL ------------------------------------------------------------------------

    def _connection(self, name: str) -> Connection:
        """The pool's own session in ``name``, kept open between tests (connecting costs more
        than the reset)."""
        conn = self._connections.get(name)
        if conn is None or conn.closed or conn.invalidated:
            engine = create_engine(self.url(name), isolation_level="AUTOCOMMIT", poolclass=NullPool)
            conn = self._connections[name] = engine.connect()
            # The reset commits a transaction per test: not waiting for the disk to have it
            # saves time, and a server crash would only lose databases made for tests.
            conn.execute(text("SET synchronous_commit TO off"))
        return conn

    def _reset(self, name: str) -> bool:
        pristine = self._pristine[name]
        # Twice: a test may have ended the pool's own session too.
        for _attempt in range(2):
            try:
                conn = self._connection(name)
                # One round trip and one transaction: the statements go as one string.
                conn.execute(text(self._scripts[name]))
                return self._state(conn) == pristine
            except Exception:  # the session was gone, or the reset failed: a new database
                self._close_connection(name)
        return False

    def _close_connection(self, name: str) -> None:
        conn = self._connections.pop(name, None)
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()
                conn.engine.dispose()

    def _state(self, conn: Connection) -> frozenset[tuple[str, str]]:
        """Every object made after the template's, the ``public`` schema's owner, privileges
        and comment, and the database's own settings: equal for a database as new and one
        emptied."""
        if self._state_query is None:
            # Every catalog of the database whose rows are objects with an OID, from the server
            # itself, so that no kind of object (of this version or a later one) is missed.
            catalogs = conn.execute(
                text(
                    "SELECT c.relname FROM pg_class c JOIN pg_attribute a "
                    "ON a.attrelid = c.oid AND a.attname = 'oid' "
                    "WHERE c.relnamespace = 'pg_catalog'::regnamespace AND c.relkind = 'r' "
                    "AND NOT c.relisshared ORDER BY c.relname"
                )
            ).scalars()
            # Schemas are compared by what they hold; public is made again, with a new OID.
            schemas = f" AND nspname <> 'public' AND {_USER_SCHEMAS}"
            self._state_query = " UNION ALL ".join(
                [
                    f"SELECT '{catalog}', oid::text FROM pg_catalog.{catalog} "
                    f"WHERE oid >= {_FIRST_USER_OID}"
                    + (schemas if catalog == "pg_namespace" else "")
                    for catalog in catalogs
                ]
                + [
                    "SELECT 'public schema', ROW(pg_get_userbyid(nspowner), nspacl, "
                    "obj_description(oid, 'pg_namespace'))::text "
                    "FROM pg_namespace WHERE nspname = 'public'",
                    "SELECT 'database', ROW(datacl, shobj_description(oid, 'pg_database'), "
                    "datconnlimit, (SELECT array_agg(setconfig::text ORDER BY setrole) "
                    "FROM pg_db_role_setting WHERE setdatabase = d.oid))::text "
                    "FROM pg_database d WHERE datname = current_database()",
                ]
            )
        return frozenset((tag, value) for tag, value in conn.execute(text(self._state_query)))

    def _reset_script(self, conn: Connection) -> str:
        """Statements that end the other sessions in the database, drop every schema, and
        make ``public`` again as it is now, in a new database."""
        statements = [
            # Sessions a test left open would hold locks (advisory ones too) and temporary
            # tables; ending them is what DROP DATABASE ... WITH (FORCE) did.
            "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()",
            "DO $reset$ DECLARE s text; BEGIN "
            f"FOR s IN SELECT quote_ident(nspname) FROM pg_namespace WHERE {_USER_SCHEMAS} "
            "LOOP EXECUTE 'DROP SCHEMA ' || s || ' CASCADE'; END LOOP; END $reset$",
        ]
        public = conn.execute(
            text(
                "SELECT quote_ident(pg_get_userbyid(nspowner)), "
                "quote_literal(obj_description(oid, 'pg_namespace')) "
                "FROM pg_namespace WHERE nspname = 'public'"
            )
        ).one_or_none()
        if public is not None:
            owner, comment = public
            statements.append(f"CREATE SCHEMA public AUTHORIZATION {owner}")
            grants = conn.execute(
                text(
                    "SELECT CASE WHEN g.grantee = 0 THEN 'PUBLIC' "
                    "ELSE quote_ident(pg_get_userbyid(g.grantee)) END, g.privilege_type "
                    "FROM pg_namespace n, aclexplode(n.nspacl) g "
                    "WHERE n.nspname = 'public' AND g.grantee <> n.nspowner ORDER BY 1, 2"
                )
            )
            statements += [f"GRANT {what} ON SCHEMA public TO {whom}" for whom, what in grants]
            if comment is not None:
                statements.append(f"COMMENT ON SCHEMA public IS {comment}")
        return ";\n".join(statements)

    # -- both ------------------------------------------------------------------------------

    def _drop(self, name: str) -> None:
        self._close_connection(name)
        force = " WITH (FORCE)" if self.dialect == "postgresql" else ""
        with self._admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}{force}"))
        if name in self._made:
            self._made.remove(name)
        self._pristine.pop(name, None)
        self._scripts.pop(name, None)
