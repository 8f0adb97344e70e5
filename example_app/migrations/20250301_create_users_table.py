"""Create the users table.

Migration 20250301_create_users_table of the example app.
"""

import sqlalchemy as sa
from sqlmodel import Session

from flask_herogold_migrate import Migration, schema


class CreateUsersTable(Migration):
    def up(self, session: Session) -> None:
        schema(session).create_table(
            "users",
            # An auto-numbered key: an identity column on PostgreSQL, AUTO_INCREMENT on
            # MariaDB/MySQL, SQLite's INTEGER PRIMARY KEY.
            sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
            sa.Column("name", sa.String(100), nullable=False),
            sa.Column("email", sa.String(255), nullable=False),
            # A plain date and time: TIMESTAMP on PostgreSQL, DATETIME on MariaDB/MySQL.
            sa.Column(
                "created_at",
                sa.DateTime,
                nullable=False,
                server_default=sa.func.current_timestamp(),
            ),
            sa.UniqueConstraint("email", name="uq_users_email"),
        )

    def down(self, session: Session) -> None:
        schema(session).drop_table("users")
