"""Account emails (sign-up link, sign-in link, address change), queued in the outbox in the
account's own language (else the language of the person asking: a new account takes it). They
are not list mail: unsubscribing does not stop them."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l

from pb.accounts.models import User
from pb.config import public_url
from pb.i18n.locales import direction
from pb.outbox.services import queue_mail


def _queue(user: User, to: str, template: str, subject, **context) -> None:
    locale = user.locale or str(get_locale())
    with force_locale(locale):
        context |= {"locale": locale, "text_direction": direction(locale)}
        queue_mail(to=to, subject=str(subject), locale=locale,
                   text=render_template(f"email/{template}.txt", **context),
                   html=render_template(f"email/{template}.html", **context))


def verify(user: User, token: str) -> None:
    _queue(user, user.email, "account_verify", _l("Confirm your email address"),
           link=public_url("residents.verify", token=token))


def sign_in_link(user: User, token: str) -> None:
    _queue(user, user.email, "account_signin", _l("Your sign-in link"),
           link=public_url("residents.sign_in_with_link", token=token))


def already_registered(user: User, token: str | None) -> None:
    """Someone (perhaps the owner) tried to sign up again with this address. A resident gets a
    sign-in link; anyone else the sign-in page, where the password and second step are asked."""
    link = public_url("residents.sign_in_with_link", token=token) if token else public_url("accounts.login")
    _queue(user, user.email, "account_exists", _l("You already have an account"), link=link, by_link=bool(token))


def confirm_new_email(user: User, token: str) -> None:
    _queue(user, user.pending_email, "account_new_email", _l("Confirm your new email address"),
           link=public_url("residents.confirm_email", token=token))


def email_changed(user: User, old_address: str) -> None:
    _queue(user, old_address, "account_email_changed", _l("Your email address was changed"),
           link=public_url("residents.account"))
