"""MariaDB and MySQL: every step runs with a strict ``sql_mode``.

Without one, the server truncates what no longer fits a narrowed column (40 characters
become 10, 5000000000 becomes 2147483647, a removed ENUM value becomes ``''``) and only
warns. The run adds ``STRICT_TRANS_TABLES`` to the session's ``sql_mode``, so such a step
fails and the rows keep their values; ``HEROGOLD_MIGRATE_MYSQL_STRICT = False`` opts out.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import create_engine, make_url, text

from flask_herogold_migrate import HerogoldMigrate, MigrationManager
from flask_herogold_migrate.__main__ import main as standalone_main
from flask_herogold_migrate.core.errors import MigrationFailed

pytestmark = pytest.mark.parametrize("database", ["mariadb"], indirect=True)

CREATE = (
    "CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(40), "
    "big BIGINT, colour ENUM('red', 'blue'))"
)
FILL = f"INSERT INTO items VALUES (1, '{'x' * 40}', 5000000000, 'blue')"


def _lax_url(database) -> str:
    """The database's URL, each connection starting with no strict mode at all."""
    url = make_url(database.url).update_query_dict({"init_command": "SET SESSION sql_mode=''"})
    return url.render_as_string(hide_password=False)


@pytest.mark.parametrize(
    "narrowing",
    [
        "ALTER TABLE items MODIFY name VARCHAR(10)",
        "ALTER TABLE items MODIFY big INTEGER",
        "ALTER TABLE items MODIFY colour ENUM('red')",
    ],
)
def test_a_narrowing_step_fails_instead_of_truncating(database, write_migration, migrations_dir,
                                                      narrowing):  # fmt: skip
    write_migration("20240101_create_items", [CREATE, FILL], "DROP TABLE items")
    write_migration("20240102_narrow", narrowing)
    lax = create_engine(_lax_url(database))
    manager = MigrationManager(migrations_dir, engine=lax)

    with pytest.raises(MigrationFailed):
        manager.run_migrations()

    assert database.rows("items") == [
        {"id": 1, "name": "x" * 40, "big": 5000000000, "colour": "blue"}
    ]
    with lax.connect() as conn:  # the session's own mode is put back
        assert conn.execute(text("SELECT @@SESSION.sql_mode")).scalar() == ""
    lax.dispose()


def test_the_opt_out_lets_the_server_truncate(database, write_migration, migrations_dir):
    write_migration("20240101_create_items", [CREATE, FILL], "DROP TABLE items")
    write_migration("20240102_narrow", "ALTER TABLE items MODIFY name VARCHAR(10)")
    common = ["--dir", str(migrations_dir), "--database-url", _lax_url(database)]

    result = CliRunner().invoke(
        standalone_main, ["migrate", *common], env={"HEROGOLD_MIGRATE_MYSQL_STRICT": "false"}
    )

    assert result.exit_code == 0, result.output
    assert database.rows("items")[0]["name"] == "x" * 10


def test_the_flask_setting_opts_out(database, write_migration, migrations_dir):
    app = Flask("strict", root_path=str(migrations_dir.parent))
    app.config.update(
        SQLALCHEMY_DATABASE_URI=_lax_url(database),
        HEROGOLD_MIGRATE_DIR=str(migrations_dir),
        HEROGOLD_MIGRATE_MYSQL_STRICT=False,
    )
    db = SQLAlchemy(app)
    HerogoldMigrate(app, db)
    write_migration("20240101_create_items", [CREATE, FILL], "DROP TABLE items")
    write_migration("20240102_narrow", "ALTER TABLE items MODIFY big INTEGER")

    result = app.test_cli_runner().invoke(args=["migrate"])

    assert result.exit_code == 0, result.output
    assert database.rows("items")[0]["big"] == 2147483647
    with app.app_context():
        db.engine.dispose()
