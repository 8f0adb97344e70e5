"""Databases and schemas for one test, several at once, all given back emptied afterwards.

Binds and tenants need more than the one database of the ``database`` fixture: a test asks
``servers`` for each PostgreSQL or MariaDB database and PostgreSQL schema it needs.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine

from tests.conftest import DatabasePools


class Servers:
    """Lends databases (from the session's pools) and makes schemas in them; every database
    goes back to its pool, emptied, after the test."""

    def __init__(self, pools: DatabasePools) -> None:
        self._pools = pools
        self._databases: list[tuple[str, str]] = []
        self._engines: list[Engine] = []

    def database(self, dialect: str) -> str:
        """An empty database no other test holds; its URL."""
        pool = self._pools[dialect]
        name = pool.take()
        self._databases.append((dialect, name))
        return pool.url(name)

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
            self._pools[dialect].give_back(name)


@pytest.fixture
def servers(database_pools: DatabasePools) -> Iterator[Servers]:
    made = Servers(database_pools)
    try:
        yield made
    finally:
        made.drop_all()
