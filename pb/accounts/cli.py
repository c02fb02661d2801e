"""`flask --app app pb totp-reset`: recover an account whose authenticator phone was lost."""

from __future__ import annotations

import click
from sqlalchemy import select

from pb.accounts.models import User
from pb.accounts.services import normalise_email, reset_totp
from pb.db import db
from pb.transaction import transaction


@click.command("totp-reset")
@click.option("--email", required=True, help="The account whose second sign-in step is removed.")
def totp_reset_command(email):
    """Remove an account's second sign-in step and lift its lock-out (audited)."""
    user = db.session.scalars(select(User).where(User.email == normalise_email(email))).first()
    if user is None:
        raise click.UsageError("no account with that email")
    with transaction():
        reset_totp(actor=None, user=user)
    click.echo(f"Second step removed for {user.email}; they can sign in with their password.")
