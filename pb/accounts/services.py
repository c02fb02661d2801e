"""Create accounts, check passwords with back-off after failures, and the optional second factor."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from pb.accounts import totp
from pb.accounts.models import User, UserSession
from pb.accounts.settings import staff_totp_required
from pb.audit.services import record
from pb.db import db, utcnow
from pb.enums import Role
from pb.errors import DomainError

MIN_PASSWORD_LENGTH = 10
# Invisible format characters (zero-width, bidi controls, soft hyphen) are refused, and so is
# a dot at the end: "kate@example.org\u200b" and "kate@example.org." are not another address.
_INVISIBLE = "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff"
EMAIL_RE = re.compile(rf"^[^@\s{_INVISIBLE}]+@[^@\s{_INVISIBLE}]+\.[^@\s.{_INVISIBLE}]+$")
# Checked against when the email is unknown or locked, so a refusal takes the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password")
HASH_METHOD = "scrypt"  # werkzeug's scrypt (N=2^15, r=8, p=1): memory-hard
# Back-off: the 5th failure in a row locks sign-in for 1 minute, each further one doubles it.
FREE_FAILURES = 4
FIRST_LOCK = timedelta(minutes=1)
LONGEST_LOCK = timedelta(hours=1)


def normalise_email(email: str) -> str:
    """One form per address: compatibility forms folded (fullwidth "ｋ" is "k"), no case."""
    return unicodedata.normalize("NFKC", email).strip().lower()


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
                password_hash=generate_password_hash(password, method=HASH_METHOD),
                email_verified_at=utcnow())  # an operator's account; residents verify (pb.accounts.signup)
    db.session.add(user)
    record("user.create", actor=actor, obj=user, data={"role": str(user.role)})
    return user


def is_locked(user: User, now: datetime | None = None) -> bool:
    return user.locked_until is not None and user.locked_until > (now or utcnow())


def authenticate(email: str, password: str, *, now: datetime | None = None) -> User | None:
    """The active account with this email and password, or None.

    A wrong password counts towards the back-off; while an account is locked even the right
    password is refused, with the same answer as a wrong one (no hint that the email exists).
    The caller commits either way, so failures are remembered.
    """
    now = now or utcnow()
    user = db.session.scalars(select(User).where(User.email == normalise_email(email))
                              .with_for_update()).first()
    if user is None or is_locked(user, now):
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password):
        note_failed_login(user, now=now)
        return None
    if not user.is_active:
        return None
    user.failed_logins, user.locked_until = 0, None
    if not user.password_hash.startswith(HASH_METHOD + ":"):  # an older KDF: upgrade it now
        user.password_hash = generate_password_hash(password, method=HASH_METHOD)
    return user


def note_failed_login(user: User, *, now: datetime) -> None:
    """Count a failure; from the fifth in a row, lock sign-in for a doubling time."""
    user.failed_logins = (user.failed_logins or 0) + 1
    beyond = user.failed_logins - FREE_FAILURES
    if beyond > 0:
        wait = min(FIRST_LOCK * 2 ** min(beyond - 1, 16), LONGEST_LOCK)
        user.locked_until = now + wait
        record("user.locked", actor=None, obj=user,
               data={"failures": user.failed_logins, "minutes": int(wait.total_seconds() // 60)})


def _totp_key() -> str:
    return current_app.config.get("TOTP_KEY") or current_app.config["SECRET_KEY"]


def check_second_factor(user: User, code: str, *, now: datetime | None = None) -> bool:
    """Whether `code` is the user's current TOTP code, never accepting one twice.

    A wrong code counts as a failed sign-in (same back-off as a wrong password).
    """
    now = now or utcnow()
    if not user.totp_secret or is_locked(user, now) or not user.is_active:
        return False
    secret = totp.mask(user.totp_secret, key=_totp_key(), user_id=user.id)
    step = totp.matching_step(secret, code, now=now.timestamp(), after=user.totp_last_step)
    if step is None:
        note_failed_login(user, now=now)
        return False
    user.totp_last_step, user.failed_logins, user.locked_until = step, 0, None
    return True


def enable_totp(*, actor, user: User, secret: str, code: str, now: datetime | None = None) -> User:
    """Turn on the second factor once the user proves their app shows the right code."""
    now = now or utcnow()
    step = totp.matching_step(secret, code, now=now.timestamp(), after=None)
    if step is None:
        raise DomainError(_l("That code is not right. Check the time on your phone and try the new code."))
    user.totp_secret = totp.mask(secret, key=_totp_key(), user_id=user.id)
    user.totp_last_step = step
    record("user.totp_on", actor=actor, obj=user)
    return user


def disable_totp(*, actor, user: User, password: str, code: str, now: datetime | None = None) -> User:
    """Turn off the second factor: needs the password and a current code. Refused to staff
    while staff must use it (pb.accounts.people.require_staff_totp)."""
    if user.role == Role.staff and staff_totp_required():
        raise DomainError(_l("Staff must use two-step sign-in on this site, so it cannot be turned off."))
    if not check_password_hash(user.password_hash, password) or not check_second_factor(user, code, now=now):
        raise DomainError(_l("The password or the code is not right."))
    user.totp_secret, user.totp_last_step = None, None
    record("user.totp_off", actor=actor, obj=user)
    return user


def reset_totp(*, actor, user: User) -> User:
    """Remove a lost second factor (from the command line, by someone with server access)."""
    user.totp_secret, user.totp_last_step = None, None
    user.failed_logins, user.locked_until = 0, None
    record("user.totp_reset", actor=actor, obj=user)
    return user


def end_sessions(*, actor, user: User) -> int:
    """Sign `user` out on every device at once (e.g. when their account is deactivated).

    Deletes their server-side sessions, so every cookie they hold, or anyone copied, stops
    working on the next request. Returns how many sessions ended.
    """
    ended = db.session.execute(delete(UserSession).where(UserSession.user_id == user.id)).rowcount
    record("user.sessions_end", actor=actor, obj=user, data={})
    return ended
