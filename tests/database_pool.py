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
        self._pristine: dict[str, frozenset] = {}
        self._state_query: str | None = None

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
            with self._connect(name) as conn:
                self._pristine[name] = self._state(conn)
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

    def _connect(self, name: str) -> Connection:
        engine = create_engine(self.url(name), isolation_level="AUTOCOMMIT", poolclass=NullPool)
        return engine.connect()

    def _reset(self, name: str) -> bool:
        try:
            with self._connect(name) as conn:
                # Sessions a test left open would hold locks (advisory ones too) and temporary
                # tables; ending them is what DROP DATABASE ... WITH (FORCE) did.
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
                schemas = conn.execute(
                    text(f"SELECT quote_ident(nspname) FROM pg_namespace WHERE {_USER_SCHEMAS}")
                ).scalars()
                dropped = ", ".join(schemas)
                if dropped:
                    conn.execute(text(f"DROP SCHEMA {dropped} CASCADE"))
                self._make_public(conn, self._pristine[name])
                return self._state(conn) == self._pristine[name]
        except Exception:  # whatever the test left that the reset cannot undo: a new database
            return False

    def _make_public(self, conn: Connection, pristine: frozenset) -> None:
        public = [entry[1:] for entry in pristine if entry[0] == "public schema"]
        if not public:
            return
        (owner, _acl, comment, grants) = public[0]
        conn.execute(text(f"CREATE SCHEMA public AUTHORIZATION {owner}"))
        for grantee, privilege in grants:
            conn.execute(text(f"GRANT {privilege} ON SCHEMA public TO {grantee}"))
        if comment is not None:
            conn.execute(text("COMMENT ON SCHEMA public IS " + _literal(comment)))

    def _state(self, conn: Connection) -> frozenset:
        """Every object made after the template's, the ``public`` schema as it is, and the
        database's own settings: equal for a database as new and one emptied."""
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
                f"SELECT '{catalog}', oid::text FROM pg_catalog.{catalog} "
                f"WHERE oid >= {_FIRST_USER_OID}" + (schemas if catalog == "pg_namespace" else "")
                for catalog in catalogs
            )
        objects = {tuple(row) for row in conn.execute(text(self._state_query))}
        public = conn.execute(
            text(
                "SELECT quote_ident(pg_get_userbyid(nspowner)), nspacl::text, "
                "obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = 'public'"
            )
        ).one_or_none()
        grants = conn.execute(
            text(
                "SELECT CASE WHEN g.grantee = 0 THEN 'PUBLIC' "
                "ELSE quote_ident(pg_get_userbyid(g.grantee)) END, g.privilege_type "
                "FROM pg_namespace n, aclexplode(n.nspacl) g "
                "WHERE n.nspname = 'public' AND g.grantee <> n.nspowner ORDER BY 1, 2"
            )
        ).all()
        database = conn.execute(
            text(
                "SELECT datacl::text, shobj_description(oid, 'pg_database'), datconnlimit, "
                "(SELECT array_agg(setconfig::text ORDER BY setrole) FROM pg_db_role_setting "
                " WHERE setdatabase = d.oid)::text "
                "FROM pg_database d WHERE datname = current_database()"
            )
        ).one()
        if public is not None:
            objects.add(("public schema", *public, tuple(map(tuple, grants))))
        objects.add(("database", *database))
        return frozenset(objects)

    # -- both ------------------------------------------------------------------------------

    def _drop(self, name: str) -> None:
        force = " WITH (FORCE)" if self.dialect == "postgresql" else ""
        with self._admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}{force}"))
        if name in self._made:
            self._made.remove(name)
        self._pristine.pop(name, None)


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
