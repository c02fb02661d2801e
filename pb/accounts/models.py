from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from pb.db import UTCDateTime, db, utcnow
from pb.enums import Role


class User(UserMixin, db.Model):
    """A person who signs in: resident, liaison, staff or observer."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=16))
    locale: Mapped[str | None] = mapped_column(String(16))
    is_active_account: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Optional second factor (RFC 6238 TOTP): the secret is stored masked with a key derived
    # from TOTP_KEY, and the last accepted time step, so a code is never accepted twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Residents who sign up prove their address first; accounts an operator creates start verified.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pending_email: Mapped[str | None] = mapped_column(String(254))  # a new address awaiting its link
    # Email notification choices: about my ideas, about what I follow, replies to my comments.
    notify_ideas: Mapped[bool] = mapped_column(default=True)
    notify_follows: Mapped[bool] = mapped_column(default=True)
    notify_replies: Mapped[bool] = mapped_column(default=True)
    # Opt-in: voting opens / closes soon in a cycle where the person took part.
    notify_voting: Mapped[bool] = mapped_column(default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # identity erased; content kept

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive accounts
        return self.is_active_account

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class UserSession(db.Model):
    """One signed-in browser session, so signing out or an idle timeout ends it on every server.

    The cookie carries a random session id; only its SHA-256 is stored, so a database reader
    cannot rebuild a cookie (which would also need SECRET_KEY). No row, no session: a copied
    cookie stops working as soon as its row is gone.
    """

    sid_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<UserSession {self.sid_hash[:8]} user={self.user_id}>"


class SiteSetting(db.Model):
    """A setting staff change in the browser (e.g. "staff must use two-step sign-in")."""

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<SiteSetting {self.key}={self.value}>"


class AccountToken(db.Model):
    """A single-use emailed link: an invitation to set a first password, or a password reset.

    Only the SHA-256 of the token is stored, so a database reader cannot use a pending link.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))  # "invite" or "reset"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<AccountToken {self.id} {self.purpose} user={self.user_id}>"
