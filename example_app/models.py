"""The models. The migrations build the tables they map; nothing calls ``create_all()``."""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from pydantic import NaiveDatetime
from sqlmodel import Field, SQLModel

db = SQLAlchemy()


def utc_now() -> datetime:
    """Now in UTC, naive and to the second: what every database's plain timestamp keeps."""
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


class Role(SQLModel, table=True):
    __tablename__ = "roles"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=50, unique=True)


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    email: str = Field(max_length=255, unique=True)
    # Naive UTC: the column is a plain TIMESTAMP/DATETIME (no time zone) on every database.
    # The database fills it too (server_default), for rows inserted without the app.
    created_at: NaiveDatetime = Field(
        default_factory=utc_now,
        index=True,
        sa_column_kwargs={"server_default": sa.func.current_timestamp()},
    )
    role_id: int | None = Field(default=None, foreign_key="roles.id")
