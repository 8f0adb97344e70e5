"""What stops a run before it starts, each in one clear error line: no migration directory, no
database URL, an unreachable database, a MySQL connection with no database selected, a lock file
that cannot be opened.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, make_url

from flask_herogold_migrate import MigrationManager
from flask_herogold_migrate.__main__ import main


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_a_mysql_connection_without_a_database_is_one_error_line(
    database, migrations_dir, create_table_migration
):
    create_table_migration("20260301_one", "one")
    url = make_url(database.url)
    without = url.set(database="").render_as_string(hide_password=False)

    result = CliRunner().invoke(
        main, ["migrate:status", "--dir", str(migrations_dir), "--database-url", without]
    )

    assert result.exit_code == 1
    assert result.output == (
        "Error: The connection has no database selected: name it in the URL, after the host, "
        "as in mysql+pymysql://user@host/mydb.\n"
    )
    # A database given another way than in the URL is the connection's database all the same.
    engine = create_engine(without, connect_args={"database": url.database})
    assert MigrationManager(migrations_dir, engine=engine).run_migrations() == ["20260301_one"]
    engine.dispose()
    assert "one" in database.table_names()


@pytest.mark.sqlite_only
def test_missing_directory_is_one_clear_message(database, tmp_path):
    result = CliRunner().invoke(
        main, ["migrate", "--dir", str(tmp_path / "nowhere"), "--database-url", database.url]
    )

    assert result.exit_code == 1
    assert "does not exist" in result.output
    assert "Traceback" not in result.output


def test_no_database_url_is_one_clear_message(migrations_dir, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)

    result = CliRunner().invoke(main, ["migrate:status", "--dir", str(migrations_dir)])

    assert result.exit_code == 1
    assert "--database-url" in result.output


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://postgres:s3cret@127.0.0.1:1/nothing",
        "mysql+pymysql://root:s3cret@127.0.0.1:1/nothing",
        "sqlite:////nonexistent-dir/sub/x.db",
    ],
)
def test_unreachable_database_is_one_clear_message(migrations_dir, create_table_migration, url):
    create_table_migration("20260301_one", "one")

    result = CliRunner().invoke(
        main, ["migrate", "--dir", str(migrations_dir), "--database-url", url]
    )

    assert result.exit_code == 1
    assert "Cannot connect to the database" in result.output
    assert "s3cret" not in result.output
    assert "Traceback" not in result.output


def sqlite_cli(tmp_path: Path, *args: str):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    return CliRunner().invoke(
        main, ["migrate", "--dir", str(tmp_path / "migrations"), "--database-url", url, *args]
    )


def test_a_lock_file_name_too_long_is_one_error_line(tmp_path, create_table_migration):
    create_table_migration("20260301_one", "one")
    table = "t" * 300

    result = sqlite_cli(tmp_path, "--table", table)

    lock_file = tmp_path / f"app.db.herogold-migrate-{table}.lock"
    assert result.exit_code == 1
    assert result.output == (
        f"Error: Cannot open the migration lock file {lock_file}: File name too long; choose "
        "a shorter tracking table name (HEROGOLD_MIGRATE_TABLE, --table).\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.db", "migrations"]


def test_a_lock_file_it_may_not_create_is_one_error_line(
    tmp_path, create_table_migration, monkeypatch
):
    # Simulated, so it runs as root too: the database's directory is not writable.
    from flask_herogold_migrate.core.dialects import sqlite

    def refused(path, mode):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)

    monkeypatch.setattr(sqlite, "open", refused, raising=False)
    create_table_migration("20260301_one", "one")

    result = sqlite_cli(tmp_path)

    lock_file = tmp_path / "app.db.herogold-migrate-migrations.lock"
    assert result.exit_code == 1
    assert result.output == (
        f"Error: Cannot open the migration lock file {lock_file}: Permission denied; the lock "
        "is held on this file beside the database, so its directory must exist and be "
        "writable by this process.\n"
    )


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_a_driver_error_raised_before_connecting_is_one_error_line(
    database, migrations_dir, create_table_migration, tmp_path
):
    create_table_migration("20260301_one", "one")
    url = f"{database.url}?ssl_ca={tmp_path / 'no-such-ca.pem'}"

    result = CliRunner().invoke(
        main, ["migrate", "--dir", str(migrations_dir), "--database-url", url]
    )

    assert result.exit_code == 1
    assert result.output.startswith("Error: Cannot connect to the database mysql+pymysql://")
    assert "no-such-ca.pem" in result.output
    assert len(result.output.strip().splitlines()) == 1
