"""Create accounts and check passwords."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from pb.accounts.models import User
from pb.audit.services import record
from pb.db import db
from pb.enums import Role
from pb.errors import DomainError

MIN_PASSWORD_LENGTH = 10
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Checked against when the email is unknown, so a failed login takes the same time either way.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(*, actor, email: str, name: str, password: str, role: Role,
                locale: str | None = None) -> User:
    """Add an account; the password is stored only as a scrypt hash."""
    email = normalise_email(email)
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise DomainError(_l("Enter a valid email address."))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(_l("Passwords need at least %(n)d characters."), n=MIN_PASSWORD_LENGTH)
    if db.session.scalar(select(func.count()).where(User.email == email)):
        raise DomainError(_l("An account with this email already exists."))
    user = User(email=email, name=name.strip()[:120] or email, role=Role(role), locale=locale,
                password_hash=generate_password_hash(password))
    db.session.add(user)
    record("user.create", actor=actor, obj=user, data={"role": str(user.role)})
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active account with this email and password, or None."""
    user = db.session.scalars(select(User).where(User.email == normalise_email(email))).first()
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.is_active or not check_password_hash(user.password_hash, password):
        return None
    return user
