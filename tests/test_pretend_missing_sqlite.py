"""``--pretend`` on a SQLite file that does not exist yet leaves no file behind."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from flask_herogold_migrate.__main__ import main


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)  # SQLite's files
def test_pretend_on_a_missing_sqlite_file_creates_no_file(tmp_path, database, write_migration):
    write_migration("20260301_t", "CREATE TABLE t (id INTEGER)", "DROP TABLE t")
    data = tmp_path / "data"
    data.mkdir()
    url = f"sqlite:///{data / 'app.db'}"
    migrations = str(tmp_path / "migrations")

    result = CliRunner().invoke(
        main, ["migrate", "--pretend", "--dir", migrations, "--database-url", url]
    )

    assert result.exit_code == 0, result.output
    assert "Would migrate: 20260301_t" in result.output
    assert "CREATE TABLE t (id INTEGER);" in result.output
    assert list(data.iterdir()) == []  # neither the database nor its lock file
