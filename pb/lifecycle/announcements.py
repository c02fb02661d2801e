"""Tell the people who took part in a cycle that voting opens, and that it closes soon.

"Took part" means shared, supported, followed or commented on an idea or project of the cycle,
or registered to vote with their account. Only people who turned on `notify_voting` hear
anything (pb.notifications.notify). The closing note skips whoever is known to have voted
from their account; it never says whether anyone voted.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, union

from pb.cycles.models import Cycle
from pb.db import db, utcnow
from pb.deliberation.models import Comment
from pb.enums import Phase
from pb.notifications import notify
from pb.notifications.models import Follow
from pb.proposals.models import Idea, IdeaSupport, Project
from pb.transaction import transaction
from pb.voting.models import VoteMark, VoterRollEntry
from pb.voting.reminders import queue_due_reminders


def took_part(cycle: Cycle) -> set[int]:
    """Accounts that shared, supported, followed or commented on this cycle's ideas and projects,
    or registered to vote in it."""
    ideas = select(Idea.id).where(Idea.cycle_id == cycle.id)
    projects = select(Project.id).where(Project.cycle_id == cycle.id)
    people = union(
        select(Idea.author_id).where(Idea.cycle_id == cycle.id),
        select(IdeaSupport.user_id).where(IdeaSupport.idea_id.in_(ideas)),
        select(Follow.user_id).where(Follow.idea_id.in_(ideas) | Follow.project_id.in_(projects)),
        select(Comment.author_id).where(Comment.idea_id.in_(ideas) | Comment.project_id.in_(projects)),
        select(VoterRollEntry.user_id).where(VoterRollEntry.cycle_id == cycle.id),
    )
    return {i for i in db.session.scalars(select(people.subquery().c[0])) if i is not None}


def known_voters(cycle: Cycle) -> set[int]:
    """Accounts whose own roll entry has voted, in any channel (a roll entry votes as "roll:<id>")."""
    marks = select(VoteMark.credential).where(VoteMark.cycle_id == cycle.id)
    return set(db.session.scalars(select(VoterRollEntry.user_id).where(
        VoterRollEntry.cycle_id == cycle.id, VoterRollEntry.user_id.is_not(None),
        ("roll:" + VoterRollEntry.id).in_(marks))))


def voting_opened(cycle: Cycle) -> None:
    """Called in the transaction that opens voting."""
    notify.voting_opened(cycle, took_part(cycle), closes=cycle.starts_at(Phase.tallying))


def queue_closing_soon(now: datetime) -> int:
    """For each cycle whose voting closes within VOTING_REMINDER_HOURS, tell its participants
    once (the outbox key makes a second run send nothing). Returns how many cycles were due."""
    lead = timedelta(hours=current_app.config["VOTING_REMINDER_HOURS"])
    due = 0
    with transaction():
        for cycle in db.session.scalars(select(Cycle).where(Cycle.phase == Phase.voting)):
            closes = cycle.starts_at(Phase.tallying)
            if closes is None or not now < closes <= now + lead:
                continue
            due += 1
            notify.voting_closes_soon(cycle, took_part(cycle) - known_voters(cycle), closes=closes)
    return due


def queue_timed_mail(now: datetime | None = None) -> None:
    """What the mail worker queues as time passes: the one reminder for registered voters who
    asked for it, and the closing note for people who took part."""
    now = now or utcnow()
    queue_due_reminders(now)
    queue_closing_soon(now)
