"""Reads about accounts for the staff people pages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from pb.accounts.models import AccountToken, User
from pb.db import db, utcnow
from pb.enums import Role


def list_people(role: str = "") -> list[User]:
    """Every account, or those with one role, by role and name."""
    query = select(User).where(User.deleted_at.is_(None)).order_by(User.role, User.name, User.id)
    if role in Role.__members__:
        query = query.where(User.role == Role(role))
    return list(db.session.scalars(query))


def invitation_states(user_ids: list[int], now: datetime | None = None) -> dict[int, str]:
    """For invited people who have not set a password yet: "pending" or "expired"."""
    now, states, accepted = now or utcnow(), {}, set()
    rows = db.session.execute(select(AccountToken.user_id, AccountToken.used_at, AccountToken.expires_at).where(
        AccountToken.purpose == "invite", AccountToken.user_id.in_(user_ids or [0])))
    for user_id, used_at, expires_at in rows:
        if used_at is not None:
            accepted.add(user_id)
        elif states.get(user_id) != "pending":
            states[user_id] = "pending" if expires_at > now else "expired"
    return {user_id: state for user_id, state in states.items() if user_id not in accepted}


def active_staff_count() -> int:
    return len(db.session.scalars(select(User.id).where(User.role == Role.staff,
                                                        User.is_active_account.is_(True))).all())
