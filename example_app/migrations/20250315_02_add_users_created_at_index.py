"""Index users.created_at, the order the user list is shown in.

Migration 20250315_02_add_users_created_at_index of the example app: the second migration of
that day, hence the 02.
"""

from sqlmodel import Session

from flask_herogold_migrate import Migration, schema


class AddUsersCreatedAtIndex(Migration):
    def up(self, session: Session) -> None:
        schema(session).create_index("ix_users_created_at", "users", ["created_at"])

    def down(self, session: Session) -> None:
        # MariaDB/MySQL's DROP INDEX names the table too: table_name says which.
        schema(session).drop_index("ix_users_created_at", table_name="users")
