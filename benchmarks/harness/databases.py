"""A fresh, empty database for every measurement: a new SQLite file or PostgreSQL database."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine

DEFAULT_POSTGRESQL_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


class Databases:
    """Creates and drops the databases of one kind (``sqlite`` or ``postgresql``)."""

    kind: str

    def create(self, label: str) -> str:
        raise NotImplementedError

    def drop(self, url: str) -> None:
        raise NotImplementedError

    def server_version(self) -> str:
        raise NotImplementedError

    def settle(self) -> None:
        """Let the server finish writing what earlier runs left, before a timed write.

        Otherwise whoever runs first pays for the previous run's dirty pages."""

    def close(self) -> None:
        """Release what the factory holds (the admin connection pool)."""

    @contextmanager
    def fresh(self, label: str) -> Iterator[str]:
        url = self.create(label)
        try:
            yield url
        finally:
            self.drop(url)


class SQLiteDatabases(Databases):
    kind = "sqlite"

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def create(self, label: str) -> str:
        path = self.directory / f"{label}-{uuid.uuid4().hex[:8]}.db"
        return f"sqlite:///{path}"

    def drop(self, url: str) -> None:
        path = Path(make_url(url).database or "")
        # The database, its journal, and our lock file beside it.
        for leftover in path.parent.glob(f"{path.name}*"):
            leftover.unlink()

    def settle(self) -> None:
        os.sync()

    def server_version(self) -> str:
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version} (file)"


class PostgreSQLDatabases(Databases):
    kind = "postgresql"

    def __init__(self, admin_url: str = DEFAULT_POSTGRESQL_URL) -> None:
        self.admin_url = make_url(admin_url)
        self._admin: Engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")

    def create(self, label: str) -> str:
        name = f"bench_{label}_{uuid.uuid4().hex[:8]}"
        with self._admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with self._admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def settle(self) -> None:
        with self._admin.connect() as conn:
            conn.exec_driver_sql("CHECKPOINT")

    def server_version(self) -> str:
        with self._admin.connect() as conn:
            version = conn.execute(text("SHOW server_version")).scalar_one()
        return f"PostgreSQL {version} (TCP {self.admin_url.host}:{self.admin_url.port})"

    def close(self) -> None:
        self._admin.dispose()
