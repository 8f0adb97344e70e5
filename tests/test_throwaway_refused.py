"""``migrate:test`` run by a user who may not create databases: one clear error, and no
warning about dropping a database that was never made."""

from __future__ import annotations

import logging
import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import make_url, text

from flask_herogold_migrate.__main__ import main


@pytest.fixture
def limited_url(database):
    """The test database's URL, for a user who may use it but create no database."""
    user = f"hgm_limited_{uuid.uuid4().hex[:8]}"
    name = make_url(database.url).database
    with database.engine.connect() as conn:
        if database.dialect == "postgresql":
            conn.execute(text(f"CREATE ROLE {user} LOGIN NOCREATEDB"))
        else:
            conn.execute(text(f"CREATE USER '{user}'@'%'"))
            conn.execute(text(f"GRANT ALL ON {name}.* TO '{user}'@'%'"))
        conn.commit()
    yield make_url(database.url).set(username=user).render_as_string(hide_password=False)
    with database.engine.connect() as conn:
        if database.dialect == "postgresql":
            conn.execute(text(f"DROP ROLE {user}"))
        else:
            conn.execute(text(f"DROP USER '{user}'@'%'"))
        conn.commit()


@pytest.mark.parametrize("database", ["postgresql", "mariadb"], indirect=True)
def test_a_user_who_cannot_create_databases_gets_one_error_and_no_drop_warning(
    database, migrations_dir, write_migration, limited_url, caplog
):
    write_migration("20260301_t", "CREATE TABLE t (id INTEGER)", "DROP TABLE t")

    with caplog.at_level(logging.WARNING, logger="flask_herogold_migrate"):
        result = CliRunner().invoke(
            main, ["migrate:test", "--dir", str(migrations_dir), "--database-url", limited_url]
        )

    assert result.exit_code == 1
    assert "Cannot create the throwaway database" in result.output
    assert "Could not drop" not in result.output
    assert not [r for r in caplog.records if "Could not drop" in r.getMessage()]
