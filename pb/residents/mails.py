"""Account emails (sign-up link, sign-in link, address change), queued in the outbox in the
language of the person asking. They are not list mail: unsubscribing does not stop them."""

from __future__ import annotations

from flask import render_template
from flask_babel import get_locale
from flask_babel import gettext as _

from pb.accounts.models import User
from pb.config import public_url
from pb.i18n.locales import direction
from pb.outbox.services import queue_mail


def _queue(to: str, template: str, subject: str, **context) -> None:
    locale = str(get_locale())
    context |= {"locale": locale, "text_direction": direction(locale)}
    queue_mail(to=to, subject=subject, locale=locale, text=render_template(f"email/{template}.txt", **context),
               html=render_template(f"email/{template}.html", **context))


def verify(user: User, token: str) -> None:
    _queue(user.email, "account_verify", _("Confirm your email address"),
           link=public_url("residents.verify", token=token))


def sign_in_link(user: User, token: str) -> None:
    _queue(user.email, "account_signin", _("Your sign-in link"),
           link=public_url("residents.sign_in_with_link", token=token))


def already_registered(user: User, token: str) -> None:
    """Someone (perhaps the owner) tried to sign up again with this address."""
    _queue(user.email, "account_exists", _("You already have an account"),
           link=public_url("residents.sign_in_with_link", token=token))


def confirm_new_email(user: User, token: str) -> None:
    _queue(user.pending_email, "account_new_email", _("Confirm your new email address"),
           link=public_url("residents.confirm_email", token=token))


def email_changed(old_address: str) -> None:
    _queue(old_address, "account_email_changed", _("Your email address was changed"),
           link=public_url("residents.account"))
