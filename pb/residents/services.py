"""Deleting a resident's account across every domain that points at it."""

from __future__ import annotations

from sqlalchemy import update

from pb.accounts.models import User
from pb.accounts.signup import erase_identity
from pb.db import db
from pb.notifications.services import forget_follows
from pb.proposals.models import Idea
from pb.voting.models import VoterRollEntry


def delete_resident(*, user: User) -> User:
    """Delete the account: its identity, follows, the contact notes on its ideas and the link
    from the voter roll to it go; its ideas and comments stay, without a name (as always).
    The audit event names no one."""
    forget_follows(user=user)
    db.session.execute(update(Idea).where(Idea.author_id == user.id).values(contact=""))
    db.session.execute(update(VoterRollEntry).where(VoterRollEntry.user_id == user.id).values(user_id=None))
    return erase_identity(user=user)
