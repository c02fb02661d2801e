"""Staff manage the accounts of staff, liaisons and observers: invite by email, change a
role, deactivate and reactivate with a reason, and require two-step sign-in for staff.

Every change is audited in its transaction. The audit log is public, so events carry roles
and reasons, never an address, a name, a password or a token. Staff cannot deactivate or
demote themselves, and at least one active staff member always remains: the active staff
rows are locked before they are counted, so two staff deactivating each other at the same
moment cannot both succeed.
"""

from __future__ import annotations

import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from pb.accounts.models import SiteSetting, User
from pb.accounts.queries import invitation_states
from pb.accounts.services import (
    EMAIL_RE,
    HASH_METHOD,
    MIN_PASSWORD_LENGTH,
    end_sessions,
    normalise_email,
)
from pb.accounts.settings import STAFF_TOTP, staff_totp_required
from pb.accounts.tokens import issue_token, revoke_tokens, use_token
from pb.audit.services import record
from pb.db import db, utcnow
from pb.enums import Role
from pb.errors import DomainError, NotAllowed
from pb.security.text import any_control_characters

INVITE_ROLES = (Role.staff, Role.liaison, Role.observer)
MAX_NAME, MAX_REASON, MAX_PASSWORD = 120, 300, 200


def _check_staff(actor) -> None:
    if getattr(actor, "role", None) != Role.staff or not actor.is_active:
        raise NotAllowed(_l("Only staff can manage accounts."))


def _clean(text: str, most: int, message) -> str:
    text = " ".join((text or "").split())
    if not text or len(text) > most or any_control_characters([text]):
        raise DomainError(message, n=most)
    return text


def _other_active_staff(*, actor, user: User) -> int:
    """Lock every active staff row (in id order), then count those other than `user`; the
    actor must still be one of them (a parallel request may have just deactivated them)."""
    ids = db.session.scalars(select(User.id).where(User.role == Role.staff, User.is_active_account.is_(True))
                             .order_by(User.id).with_for_update()).all()
    if actor.id not in ids:
        raise NotAllowed(_l("Only staff can manage accounts."))
    return len([i for i in ids if i != user.id])


def invite_user(*, actor, email: str, name: str, role: Role | str, locale: str) -> tuple[User, str]:
    """A new account that signs in only after its owner sets a password from the emailed link.

    Returns the account and the link token (the caller emails it). Until then the stored
    password is a random one nobody knows.
    """
    _check_staff(actor)
    email = normalise_email(email or "")
    if not EMAIL_RE.match(email) or len(email) > 254 or any_control_characters([email]):
        raise DomainError(_l("Enter a valid email address."))
    name = _clean(name, MAX_NAME, _l("Enter a name of up to %(n)d characters."))
    if role not in {str(r) for r in INVITE_ROLES}:
        raise DomainError(_l("Choose staff, community liaison or observer."))
    if locale not in current_app.config["LANGUAGES"]:
        raise DomainError(_l("Choose a language from the list."))
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise DomainError(_l("An account with this email already exists."))
    user = User(email=email, name=name, role=Role(role), locale=locale,
                password_hash=generate_password_hash(secrets.token_urlsafe(32), method=HASH_METHOD))
    db.session.add(user)
    db.session.flush()
    token = issue_token(user=user, purpose="invite")
    record("user.invite", actor=actor, obj=user, data={"role": str(user.role)})
    return user, token


def resend_invitation(*, actor, user: User) -> str:
    """A fresh invitation link (the earlier one stops working), for someone who has not yet
    set a password. Returns the new token."""
    _check_staff(actor)
    if not user.is_active_account:
        raise DomainError(_l("Reactivate this account before inviting them again."))
    if not invitation_open(user):
        raise DomainError(_l("This person has already set a password. They can sign in."))
    token = issue_token(user=user, purpose="invite")
    record("user.invite_resend", actor=actor, obj=user, data={})
    return token


def invitation_open(user: User) -> bool:
    """Whether the account was invited and its owner has not set a password yet."""
    return user.id in invitation_states([user.id])


def set_password_from_link(*, token: str, purpose: str, password: str, confirm: str) -> User:
    """The owner of an invitation (or reset) link chooses a password; the link is used up and
    every earlier session of the account ends."""
    if len(password or "") < MIN_PASSWORD_LENGTH or len(password) > MAX_PASSWORD:
        raise DomainError(_l("Passwords need %(n)d to %(most)d characters."), n=MIN_PASSWORD_LENGTH,
                          most=MAX_PASSWORD)
    if password != confirm:
        raise DomainError(_l("The two passwords are not the same. Type the same password twice."))
    user = use_token(token=token, purpose=purpose)
    # A new password also ends what someone who got into the account may have started: other
    # links (an email change to their own address, a sign-in link) stop working.
    revoke_tokens(user=user)
    user.pending_email = None
    user.password_hash = generate_password_hash(password, method=HASH_METHOD)
    user.failed_logins, user.locked_until = 0, None
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()  # the link reached this address
    if purpose == "reset":  # a new password signs out every browser that knew the old one
        end_sessions(actor=user, user=user)
    record("user.password_set", actor=user, obj=user, data={"by": purpose})
    return user


def request_password_reset(*, email: str) -> tuple[User, str] | None:
    """A single-use reset link for the active account with this email, or None.

    The caller answers the same either way (no enumeration), and nothing is audited here: an
    event per request would tell anyone watching the public log that the address has an
    account. Setting the new password is audited (`set_password_from_link`).
    """
    user = db.session.scalars(select(User).filter_by(email=normalise_email(email))).first()
    if user is None or not user.is_active:
        return None
    return user, issue_token(user=user, purpose="reset")


def change_role(*, actor, user: User, role: Role | str) -> User:
    """Make someone staff, a community liaison or an observer (their sessions end, so the new
    role applies at once). Staff cannot demote themselves or the last active staff member."""
    _check_staff(actor)
    if user.role == Role.resident:
        raise DomainError(_l("Residents' own accounts keep their role. Invite the person with the "
                             "address they will use for this work."))
    if role not in {str(r) for r in INVITE_ROLES}:
        raise DomainError(_l("Choose staff, community liaison or observer."))
    role = Role(role)
    if role == user.role:
        raise DomainError(_l("This person already has this role."))
    if user.id == actor.id:
        raise DomainError(_l("You cannot change your own role. Ask another staff member."))
    if user.role == Role.staff and user.is_active_account and _other_active_staff(actor=actor, user=user) < 1:
        raise DomainError(_l("At least one active staff member must remain."))
    old, user.role = user.role, role
    record("user.role", actor=actor, obj=user, data={"from": str(old), "to": str(role)})
    end_sessions(actor=actor, user=user)
    return user


def deactivate_user(*, actor, user: User, reason: str) -> User:
    """Close an account (someone leaves): they cannot sign in, every session of theirs ends at
    once and their pending links stop working. Their past actions stay in the log."""
    _check_staff(actor)
    reason = _clean(reason, MAX_REASON, _l("Give a reason of up to %(n)d characters."))
    if user.id == actor.id:
        raise DomainError(_l("You cannot deactivate your own account. Ask another staff member."))
    if not user.is_active_account:
        raise DomainError(_l("This account is already deactivated."))
    if user.role == Role.staff and _other_active_staff(actor=actor, user=user) < 1:
        raise DomainError(_l("At least one active staff member must remain."))
    user.is_active_account = False
    revoke_tokens(user=user)
    record("user.deactivate", actor=actor, obj=user, data={"reason": reason})
    end_sessions(actor=actor, user=user)
    return user


def reactivate_user(*, actor, user: User, reason: str) -> User:
    """Open a deactivated account again; its owner signs in with their old password (or a new
    invitation, if they never set one)."""
    _check_staff(actor)
    reason = _clean(reason, MAX_REASON, _l("Give a reason of up to %(n)d characters."))
    if user.is_active_account or user.deleted_at is not None:
        raise DomainError(_l("This account is already active."))
    user.is_active_account = True
    user.failed_logins, user.locked_until = 0, None
    record("user.reactivate", actor=actor, obj=user, data={"reason": reason})
    return user


def require_staff_totp(*, actor, required: bool) -> bool:
    """Whether staff must use the two-step sign-in code; staff without one are sent to set it
    up at their next sign-in."""
    _check_staff(actor)
    if required == staff_totp_required():
        raise DomainError(_l("Nothing changed: this is already the setting."))
    setting = db.session.get(SiteSetting, STAFF_TOTP) or SiteSetting(key=STAFF_TOTP, value="")
    setting.value = "yes" if required else "no"
    db.session.add(setting)
    record("settings.staff_totp", actor=actor, data={"required": required})
    return required
