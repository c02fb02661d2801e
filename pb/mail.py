"""Send plain-text email through the SMTP server named in the configuration.

Log lines never hold an address or a body (they may hold a voting link) outside a developer's
debug or test run.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.policy import default as default_policy

from flask import current_app
from flask_babel import lazy_gettext as _l

from pb.errors import DomainError

# Long header lines (a List-Unsubscribe link) stay plain ASCII instead of being folded into
# encoded words, which mail apps would not read as a link; RFC 5322 allows 998 characters.
POLICY = default_policy.clone(max_line_length=998)


class MailNotSent(DomainError):
    """The SMTP server refused or could not be reached."""


def send_mail(*, to: str, subject: str, body: str, html: str | None = None,
              headers: dict[str, str] | None = None) -> None:
    """Send one email now (plain text, plus an HTML part if given); raise MailNotSent if the
    server refuses or cannot be reached. Callers queue mail in pb.outbox instead."""
    config = current_app.config
    message = EmailMessage(policy=POLICY)
    message["From"], message["To"], message["Subject"] = config["MAIL_FROM"], to, subject
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if html:
        message.add_alternative(html, subtype="html")
    if not config["MAIL_SERVER"]:
        if current_app.debug or current_app.testing:  # a developer wants to follow the link
            current_app.logger.warning("MAIL_SERVER is not set; this email was not sent:\n%s", message)
        else:  # the address and the link (a credential) never go into a production log
            current_app.logger.warning("MAIL_SERVER is not set; an email was not sent.")
        return
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.error("could not send email: %s", type(error).__name__)
        raise MailNotSent(_l("We could not send the email just now. Please try again in a few minutes.")) from None
