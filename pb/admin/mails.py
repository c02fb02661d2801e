"""Emails about staff, liaison and observer accounts, queued in the outbox in the caller's
transaction (so a refused change sends nothing) and written in the invited person's language.
Not list mail: unsubscribing from notifications does not stop them."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from pb.accounts.models import User
from pb.accounts.tokens import LIFETIMES
from pb.audit.labels import ROLE_LABELS
from pb.config import public_url
from pb.i18n.locales import direction
from pb.outbox.services import queue_mail


def password_reset(user: User, token: str) -> None:
    """The single-use link to choose a new password, in the account's language."""
    locale = user.locale or "en"
    with force_locale(locale):
        context = {"user": user, "locale": locale, "text_direction": direction(locale),
                   "minutes": int(LIFETIMES["reset"].total_seconds() // 60),
                   "link": public_url("accounts.reset_password", token=token)}
        queue_mail(to=user.email, subject=_("Choose a new password"), locale=locale,
                   text=render_template("email/password_reset.txt", **context),
                   html=render_template("email/password_reset.html", **context))


def invitation(user: User, token: str, *, inviter: User) -> None:
    """The single-use link to set a first password (the only copy of the token leaves here)."""
    locale = user.locale or "en"
    with force_locale(locale):
        context = {"user": user, "inviter": inviter, "locale": locale, "role": str(ROLE_LABELS[str(user.role)]),
                   "text_direction": direction(locale), "days": LIFETIMES["invite"].days,
                   "link": public_url("accounts.accept_invitation", token=token),
                   "sign_in": public_url("accounts.login")}
        queue_mail(to=user.email, subject=_("You are invited to help run the Community Budget"), locale=locale,
                   text=render_template("email/account_invite.txt", **context),
                   html=render_template("email/account_invite.html", **context))
