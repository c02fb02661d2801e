"""Residents' own accounts: sign up (password or emailed links only), verify the address,
sign in with a one-time link, change the address (verified again), settings, and erasing the
identity of an account whose owner deletes it.

Emailed links are single-use, issued and used through pb.accounts.tokens (only the SHA-256
of each token is stored, and two clicks use one once).
Answers never say whether an address has an account; the caller sends the right email.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from werkzeug.security import generate_password_hash

from pb.accounts.models import AccountToken, User, UserSession
from pb.accounts.services import EMAIL_RE, HASH_METHOD, MIN_PASSWORD_LENGTH, normalise_email
from pb.accounts.tokens import (
    RESIDENT_LINK_NOT_VALID,
    LinkNotValid,
    issue_token,
    revoke_tokens,
    token_user,
    use_token,
)
from pb.audit.services import record
from pb.db import db, utcnow
from pb.enums import Role
from pb.errors import DomainError
from pb.outbox.services import forget_address, unsuppress_address


def token_is_usable(*, token: str, purpose: str, now: datetime | None = None) -> bool:
    """Whether a link still works (the confirm page says so before anyone presses the button)."""
    return token_user(token=token, purpose=purpose, now=now) is not None


def checked_email(email: str) -> str:
    email = normalise_email(email or "")
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise DomainError(_l("Enter a valid email address."))
    return email


def sign_up(*, email: str, password: str | None, locale: str) -> tuple[User, bool]:
    """A new resident account, unverified until its link is used; or the existing account
    with this address (the caller emails its owner instead). Returns (account, is_new).

    Without a password the resident signs in with emailed links only; a random password
    nobody knows is stored, so a password sign-in can never match.
    """
    email = checked_email(email)
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(_l("Passwords need at least %(n)d characters."), n=MIN_PASSWORD_LENGTH)
    secret = generate_password_hash(password or secrets.token_urlsafe(32), method=HASH_METHOD)
    existing = db.session.scalars(select(User).where(User.email == email)).first()
    if existing is not None:  # the hash above was computed anyway: both answers take as long
        return existing, False
    user = User(email=email, name="", password_hash=secret, role=Role.resident, locale=locale)
    db.session.add(user)
    record("user.signup", actor=user, obj=user, data={"password": password is not None})
    return user, True


def verify_email(*, token: str, now: datetime | None = None) -> User:
    """The sign-up link: the address is proven."""
    return _use_proving_address(token=token, purpose="verify", now=now)


def sign_in_with_link(*, token: str, now: datetime | None = None) -> User:
    """A one-time sign-in link (it proves the address too)."""
    return _use_proving_address(token=token, purpose="signin", now=now)


def _use_proving_address(*, token: str, purpose: str, now: datetime | None) -> User:
    """Use up a link sent to the account's address: the first one used proves the address."""
    user = use_token(token=token, purpose=purpose, now=now)
    if user.role != Role.resident:  # a link never signs in staff, liaisons or observers
        raise LinkNotValid(RESIDENT_LINK_NOT_VALID)
    if user.email_verified_at is None:
        user.email_verified_at = now or utcnow()
        record("user.verify", actor=user, obj=user)
    return user


def link_recipient(email: str) -> User | None:
    """The active account a sign-in link may be sent to, if any (the answer does not say)."""
    try:
        email = checked_email(email)
    except DomainError:
        return None
    user = db.session.scalars(select(User).where(User.email == email)).first()
    # Residents only: staff, liaisons and observers sign in with their password and, where
    # set, the second step; a link must not walk around either.
    usable = user is not None and user.is_active and user.deleted_at is None and user.role == Role.resident
    return user if usable else None


def request_email_change(*, user: User, new_email: str) -> str | None:
    """Remember the new address until its link is used; returns the token, or None when the
    address belongs to another account (the answer looks the same, and no mail is sent)."""
    new_email = checked_email(new_email)
    if new_email == user.email:
        raise DomainError(_l("This is already your email address."))
    if db.session.scalar(select(User.id).where(User.email == new_email)) is not None:
        return None
    user.pending_email = new_email
    return issue_token(user=user, purpose="email")


def confirm_email_change(*, token: str, now: datetime | None = None) -> tuple[User, str]:
    """The link sent to the new address: it becomes the account's address. Returns the account
    and its old address (told about the change)."""
    user = use_token(token=token, purpose="email", now=now)
    revoke_tokens(user=user)  # links sent to the old address stop working with it
    new_email = user.pending_email
    taken = new_email and db.session.scalar(select(User.id).where(User.email == new_email, User.id != user.id))
    if not new_email or taken:
        raise LinkNotValid(RESIDENT_LINK_NOT_VALID)
    old, user.email, user.pending_email, user.email_verified_at = user.email, new_email, None, now or utcnow()
    record("user.email_change", actor=user, obj=user)  # no address in the public log
    return user, old


def update_settings(*, user: User, locale: str, notify_ideas: bool, notify_follows: bool,
                    notify_replies: bool, notify_voting: bool = False) -> User:
    """Language and email choices (private preferences, not in the public audit log).

    Turning any email back on lifts an earlier one-click unsubscribe of this address.
    """
    user.locale = locale
    user.notify_ideas, user.notify_follows, user.notify_replies = notify_ideas, notify_follows, notify_replies
    user.notify_voting = notify_voting
    if notify_ideas or notify_follows or notify_replies or notify_voting:
        unsuppress_address(user.email)
    return user


def unsubscribe(*, user: User) -> User:
    """One click in an email: no more notification emails to this account."""
    user.notify_ideas = user.notify_follows = user.notify_replies = user.notify_voting = False
    return user


def erase_identity(*, user: User) -> User:
    """Delete an account's identity: address, name, password, language, choices, sessions,
    links and queued mail. The row stays (without anything personal) so the ideas and comments
    it wrote stay too, shown as a resident's. Audited without personal data."""
    if user.role != Role.resident:
        raise DomainError(_l("Staff, liaison and observer accounts are closed by staff, not deleted here."))
    forget_address(user.email)
    if user.pending_email:
        forget_address(user.pending_email)
    db.session.execute(delete(AccountToken).where(AccountToken.user_id == user.id))
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    user.email = f"deleted-{user.id}-{secrets.token_hex(4)}@invalid"
    user.name, user.locale, user.pending_email, user.email_verified_at = "", None, None, None
    user.password_hash = generate_password_hash(secrets.token_urlsafe(32), method=HASH_METHOD)
    user.totp_secret = user.totp_last_step = None
    user.notify_ideas = user.notify_follows = user.notify_replies = user.notify_voting = False
    user.is_active_account, user.deleted_at = False, utcnow()
    record("user.delete", actor=user, obj=user, data={})  # a resident: never named
    return user

