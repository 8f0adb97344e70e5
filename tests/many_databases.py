"""Databases and schemas made for one test, several at once, all dropped afterwards.

Binds and tenants need more than the one database of the ``database`` fixture: a test asks
``servers`` for each PostgreSQL or MariaDB database and PostgreSQL schema it needs.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, inspect, make_url, text
from sqlalchemy.engine import Engine

from tests.conftest import MARIADB_ADMIN_URL, POSTGRES_ADMIN_URL, _server_or_skip

ADMIN_URLS = {"postgresql": POSTGRES_ADMIN_URL, "mariadb": MARIADB_ADMIN_URL}


class Servers:
    """Creates databases and schemas, and drops every one it created."""

    def __init__(self, admin_engines: dict[str, Engine]) -> None:
        self._admins = admin_engines
        self._databases: list[tuple[str, str]] = []
        self._engines: list[Engine] = []

    def admin(self, dialect: str) -> Engine:
        if dialect not in self._admins:
            self._admins[dialect] = _server_or_skip(dialect, ADMIN_URLS[dialect])
        return self._admins[dialect]

    def database(self, dialect: str) -> str:
        """A new empty database; its URL."""
        name = f"hgm_{uuid.uuid4().hex[:12]}"
        with self.admin(dialect).connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        self._databases.append((dialect, name))
        url = make_url(ADMIN_URLS[dialect]).set(database=name)
        return url.render_as_string(hide_password=False)

    def schemas(self, url: str, count: int, prefix: str = "tenant") -> list[str]:
        """``count`` new schemas in a PostgreSQL database made here (dropped with it)."""
        names = [f"{prefix}_{i:02d}_{uuid.uuid4().hex[:6]}" for i in range(count)]
        with self.engine(url).begin() as conn:
            for name in names:
                conn.execute(text(f'CREATE SCHEMA "{name}"'))
        return names

    def engine(self, url: str) -> Engine:
        engine = create_engine(url)
        self._engines.append(engine)
        return engine

    def tables(self, url: str, schema: str | None = None) -> set[str]:
        with self.engine(url).connect() as conn:
            return set(inspect(conn).get_table_names(schema=schema))

    def rows(self, url: str, table: str = "migrations") -> list[dict]:
        with self.engine(url).connect() as conn:
            return [dict(r._mapping) for r in conn.execute(text(f"SELECT * FROM {table}"))]

    def drop_all(self) -> None:
        for engine in self._engines:
            engine.dispose()
        for dialect, name in self._databases:
            force = " WITH (FORCE)" if dialect == "postgresql" else ""
            with self.admin(dialect).connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name}{force}"))


@pytest.fixture
def servers(admin_engines: dict[str, Engine]) -> Iterator[Servers]:
    made = Servers(admin_engines)
    try:
        yield made
    finally:
        made.drop_all()
