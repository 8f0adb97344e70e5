"""The example app's migrations, tested as a project tests its own with the pytest plugin: the
four checks of ``migrate:test`` (one test per check and migration), and a data-migration test
driven by the ``migrator`` fixture; on SQLite, PostgreSQL and MariaDB (tests/example_app/conftest.py
points the plugin at each server)."""

from __future__ import annotations

from sqlalchemy import func, select

from flask_herogold_migrate.pytest_plugin import migration_checks

test_migrations = migration_checks("example_app/migrations")


def test_users_that_exist_before_add_roles_get_the_role_user(migrator):
    migrator.up_to("20250301_create_users_table")
    users = migrator.table("users")
    migrator.connection.execute(
        users.insert(),
        [{"name": "Ada", "email": "ada@x.io"}, {"name": "Grace", "email": "grace@x.io"}],
    )

    assert migrator.up_one() == "20250315_add_roles"

    users, roles = migrator.table("users"), migrator.table("roles")
    rows = migrator.connection.execute(
        select(users.c.email, roles.c.name)
        .join_from(users, roles, users.c.role_id == roles.c.id)
        .order_by(users.c.email)
    ).all()
    assert [tuple(row) for row in rows] == [("ada@x.io", "user"), ("grace@x.io", "user")]

    assert migrator.down_one() == "20250315_add_roles"
    users = migrator.table("users")
    assert "role_id" not in users.c
    assert migrator.connection.execute(select(func.count()).select_from(users)).scalar() == 2
