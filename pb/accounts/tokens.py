"""Single-use emailed links for accounts, shared by every flow that emails a link to an
account: staff flows (an invitation to set a first password, "invite"; a password reset,
"reset") and residents' own (proving a new account's address, "verify"; signing in,
"signin"; confirming a new address, "email").

A token is 256 random bits; only its SHA-256 is stored (`account_token`), so a database
reader cannot use a pending link. Issuing a new one for the same account and purpose kills
the earlier ones. Using one takes its row lock and marks it used, so two clicks (or two
servers) use it once; an expired, used or unknown token, or one of a deactivated account, is
refused with one answer.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from pb.accounts.models import AccountToken, User
from pb.db import db, utcnow
from pb.errors import DomainError

# How long each kind of emailed link works.
LIFETIMES = {"invite": timedelta(days=7), "reset": timedelta(hours=1),
             "verify": timedelta(hours=72), "signin": timedelta(minutes=30), "email": timedelta(hours=24)}


class LinkNotValid(DomainError):
    """An emailed link that is unknown, used, expired, or whose account was deactivated."""


LINK_NOT_VALID = _l("This link has expired or was already used. Ask the person who invited you, "
                    "or a staff member, for a new one.")
RESIDENT_LINK_NOT_VALID = _l("This link has expired or was already used. You can ask for a new one.")
# What a refused link says: staff send invitations and resets; residents ask for their own links.
REFUSALS = {"invite": LINK_NOT_VALID, "reset": LINK_NOT_VALID, "verify": RESIDENT_LINK_NOT_VALID,
            "signin": RESIDENT_LINK_NOT_VALID, "email": RESIDENT_LINK_NOT_VALID}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(*, user: User, purpose: str, now: datetime | None = None) -> str:
    """A new link token for `user`; their earlier unused ones for `purpose` stop working.

    Returns the token itself, to be put in the emailed link and nowhere else.
    """
    now = now or utcnow()
    revoke_tokens(user=user, purpose=purpose)
    token = secrets.token_urlsafe(32)
    db.session.add(AccountToken(user_id=user.id, purpose=purpose, token_hash=token_hash(token),
                                expires_at=now + LIFETIMES[purpose]))
    db.session.flush()
    return token


def revoke_tokens(*, user: User, purpose: str | None = None) -> None:
    """Kill `user`'s unused links (all purposes when none is given)."""
    query = delete(AccountToken).where(AccountToken.user_id == user.id, AccountToken.used_at.is_(None))
    if purpose is not None:
        query = query.where(AccountToken.purpose == purpose)
    db.session.execute(query)


def token_user(*, token: str, purpose: str, now: datetime | None = None) -> User | None:
    """The active account a still-usable token belongs to, without using it (for the GET page)."""
    row = db.session.scalars(select(AccountToken).where(
        AccountToken.token_hash == token_hash(token or ""), AccountToken.purpose == purpose,
        AccountToken.used_at.is_(None))).first()
    if row is None or row.expires_at <= (now or utcnow()):
        return None
    user = db.session.get(User, row.user_id)
    return user if user is not None and user.is_active and user.deleted_at is None else None


def use_token(*, token: str, purpose: str, now: datetime | None = None) -> User:
    """The account of a valid token, which is used up (a conditional update: only one of two
    parallel uses changes the row). Raises LinkNotValid otherwise."""
    now = now or utcnow()
    user = token_user(token=token, purpose=purpose, now=now)
    if user is None:
        raise LinkNotValid(REFUSALS[purpose])
    spent = db.session.execute(update(AccountToken).where(
        AccountToken.token_hash == token_hash(token), AccountToken.used_at.is_(None))
        .values(used_at=now)).rowcount
    if spent != 1:
        raise LinkNotValid(REFUSALS[purpose])
    return user


def has_pending_invitation(user: User, now: datetime | None = None) -> bool:
    return db.session.scalar(select(AccountToken.id).where(
        AccountToken.user_id == user.id, AccountToken.purpose == "invite", AccountToken.used_at.is_(None),
        AccountToken.expires_at > (now or utcnow())).limit(1)) is not None
