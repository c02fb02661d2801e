"""Staff pages for people: the list of accounts, filtered by role."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select

from pb.accounts.access import roles
from pb.accounts.models import User
from pb.admin.views import bp
from pb.db import db
from pb.enums import Role


@bp.get("/users")
@roles(Role.staff)
def users():
    role = request.args.get("role", "")
    query = select(User).order_by(User.role, User.name)
    if role in Role.__members__:
        query = query.where(User.role == Role(role))
    return render_template("admin/users.html", people=db.session.scalars(query).all(),
                           role=role if role in Role.__members__ else "", roles=list(Role))
