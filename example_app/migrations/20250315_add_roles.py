"""Add roles: the roles table, its three default rows, and users.role_id.

Migration 20250315_add_roles of the example app. It mixes schema and data: the default roles
are inserted, and existing users get the role "user", in the same step that creates them.
"""

import sqlalchemy as sa
from sqlalchemy import text
from sqlmodel import Session

from flask_herogold_migrate import Migration, schema

DEFAULT_ROLES = ["admin", "user", "guest"]


class AddRoles(Migration):
    def up(self, session: Session) -> None:
        op = schema(session)
        op.create_table(
            "roles",
            sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
            sa.Column("name", sa.String(50), nullable=False),
            sa.UniqueConstraint("name", name="uq_roles_name"),
        )
        # The data step, in raw SQL through the same session and transaction: a list of
        # parameter sets runs the INSERT once per role.
        session.exec(
            text("INSERT INTO roles (name) VALUES (:name)"),
            params=[{"name": name} for name in DEFAULT_ROLES],
        )
        # SQLite's ALTER TABLE cannot add a foreign key: batch mode rebuilds the table there,
        # and runs plain ALTER TABLE statements elsewhere.
        with op.batch_alter_table("users") as batch:
            batch.add_column(sa.Column("role_id", sa.Integer, nullable=True))
            batch.create_foreign_key("fk_users_role_id", "roles", ["role_id"], ["id"])
        session.exec(text("UPDATE users SET role_id = (SELECT id FROM roles WHERE name = 'user')"))

    def down(self, session: Session) -> None:
        op = schema(session)
        with op.batch_alter_table("users") as batch:
            batch.drop_constraint("fk_users_role_id", type_="foreignkey")
            batch.drop_column("role_id")
        op.drop_table("roles")
