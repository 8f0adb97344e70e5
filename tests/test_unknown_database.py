"""A database we have no implementation for gets the weakest guarantees, and is told so.

The unknown database here is SQLite under another dialect name: a real database, which the
engine cannot recognise, as it would not recognise Oracle or SQL Server.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

from flask_herogold_migrate import HerogoldMigrate
from flask_herogold_migrate.core import UnsupportedDatabase


class UnknownDialect(SQLiteDialect_pysqlite):
    name = "herogoldunknown"
    supports_statement_cache = True


registry.register("herogoldunknown", __name__, "UnknownDialect")


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"herogoldunknown:///{tmp_path / 'unknown.db'}"


def rows(url: str) -> dict[str, str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return dict(conn.execute(text("SELECT name, state FROM migrations")).all())
    finally:
        engine.dispose()


def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def run(cli_runner, migrations_dir: Path, url: str, *args: str):
    from flask_herogold_migrate.__main__ import main

    return cli_runner.invoke(main, [*args, "--dir", str(migrations_dir), "--database-url", url])


@pytest.fixture
def cli_runner():
    from click.testing import CliRunner

    return CliRunner()


def test_commands_migrate_it_and_say_which_guarantees_are_missing(
    cli_runner, migrations_dir, url, create_table_migration
):
    create_table_migration("20260301_one", "one")

    result = run(cli_runner, migrations_dir, url, "migrate")

    assert result.exit_code == 0, result.output
    assert "Warning: flask-herogold-migrate does not support the herogoldunknown database" in (
        result.output
    )
    assert "no migration lock keeps two runs apart" in result.output
    assert rows(url) == {"20260301_one": "applied"}
    assert "one" in tables(url)


def test_a_failure_part_way_is_left_visibly_failed(
    cli_runner, migrations_dir, url, write_migration
):
    write_migration("20260301_half", ["CREATE TABLE half (id INTEGER)", "CREATE TABLE broken ("])

    result = run(cli_runner, migrations_dir, url, "migrate")

    assert result.exit_code == 1
    assert "recorded as failed" in result.output
    assert rows(url) == {"20260301_half": "failed"}
    status = run(cli_runner, migrations_dir, url, "migrate:status")
    assert "failed in up()" in status.output


@pytest.mark.sqlite_only
def test_auto_run_refuses_it_naming_the_supported_databases(
    make_app, migrations_dir, url, create_table_migration
):
    create_table_migration("20260301_one", "one")
    app = make_app(
        name="unknown_app",
        sqlalchemy=False,
        extension=False,
        SQLALCHEMY_DATABASE_URI=url,
        HEROGOLD_MIGRATE_AUTO=True,
    )

    with pytest.raises(UnsupportedDatabase) as refused:
        HerogoldMigrate(app)

    assert "SQLite, PostgreSQL, MySQL and MariaDB" in str(refused.value)
    assert "Auto-run refuses to migrate a herogoldunknown database" in str(refused.value)
    assert "one" not in tables(url)
