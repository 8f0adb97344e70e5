"""Index users.created_at, the order the user list is shown in.

Migration 20250315_02_add_users_created_at_index of the example app: the second migration of
that day, hence the 02.
"""

from sqlalchemy import text
from sqlmodel import Session

from flask_herogold_migrate import Migration


class AddUsersCreatedAtIndex(Migration):
    def up(self, session: Session) -> None:
        session.exec(text("CREATE INDEX ix_users_created_at ON users (created_at)"))

    def down(self, session: Session) -> None:
        if session.get_bind().dialect.name in ("mysql", "mariadb"):
            # In MySQL/MariaDB an index belongs to its table, and DROP INDEX says which.
            session.exec(text("DROP INDEX ix_users_created_at ON users"))
        else:
            session.exec(text("DROP INDEX ix_users_created_at"))
