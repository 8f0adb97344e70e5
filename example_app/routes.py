"""JSON routes: list the users, create one, list the roles."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from .models import Role, User, db

bp = Blueprint("users", __name__)


@bp.get("/")
def index() -> dict[str, Any]:
    return {"users": "/users", "roles": "/roles"}


@bp.get("/roles")
def list_roles() -> dict[str, Any]:
    roles = db.session.scalars(select(Role).order_by(Role.id)).all()
    return {"roles": [role.name for role in roles]}


@bp.get("/users")
def list_users() -> dict[str, Any]:
    rows = db.session.execute(
        select(User, Role.name).outerjoin(Role).order_by(User.created_at, User.id)
    ).all()
    return {"users": [_user_json(user, role) for user, role in rows]}


@bp.post("/users")
def create_user() -> tuple[dict[str, Any], int]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return {"error": "Send a JSON object with name and email."}, 400
    name, email = data.get("name"), data.get("email")
    role_name = data.get("role", "user")
    if not isinstance(name, str) or not name.strip():
        return {"error": "name is required."}, 400
    if not isinstance(email, str) or "@" not in email:
        return {"error": "email is required and must contain @."}, 400
    role = db.session.scalars(select(Role).where(Role.name == role_name)).first()
    if role is None:
        return {"error": f"Unknown role {role_name!r}."}, 400
    email = email.strip().lower()
    user = User(name=name.strip(), email=email, role_id=role.id)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:  # the unique index on email, even under concurrent requests
        db.session.rollback()
        return {"error": f"A user with email {email} exists already."}, 409
    return _user_json(user, role.name), 201


def _user_json(user: User, role: str | None) -> dict[str, Any]:
    return {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "role": role,
        "created_at": user.created_at.isoformat(),
    }
