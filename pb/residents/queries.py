"""What a resident did and follows, read for "my activity" and for their data download."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from pb.accounts.models import User
from pb.cycles.models import Cycle
from pb.db import db
from pb.deliberation.models import Comment, CommentReport
from pb.enums import Phase
from pb.notifications.models import Follow
from pb.proposals.models import Idea, IdeaSupport, Project
from pb.voting.models import VoteMark, VoterRollEntry


def my_ideas(user: User) -> list[Idea]:
    return list(db.session.scalars(select(Idea).where(Idea.author_id == user.id).order_by(Idea.created_at.desc())))


def my_comments(user: User) -> list[tuple[Comment, Idea | Project | None]]:
    comments = list(db.session.scalars(select(Comment).where(Comment.author_id == user.id)
                                       .order_by(Comment.created_at.desc())))
    return [(c, db.session.get(Idea, c.idea_id) if c.idea_id else db.session.get(Project, c.project_id))
            for c in comments]


def my_supports(user: User) -> list[IdeaSupport]:
    return list(db.session.scalars(select(IdeaSupport).where(IdeaSupport.user_id == user.id)
                                   .order_by(IdeaSupport.created_at.desc())))


def my_follows(user: User) -> list[tuple[Follow, Idea | Project | None]]:
    follows = db.session.scalars(select(Follow).where(Follow.user_id == user.id).order_by(Follow.created_at.desc()))
    return [(f, db.session.get(Idea, f.idea_id) if f.idea_id else db.session.get(Project, f.project_id))
            for f in follows]


@dataclass(frozen=True)
class VotingState:
    cycle: Cycle
    registered: bool  # registered online while signed in to this account
    voted: bool  # never how


def my_voting(user: User) -> list[VotingState]:
    """For each cycle that has reached voting: registered with this account, and voted or not.

    The roll entry names the account that registered (VoterRollEntry.user_id); its vote mark
    says only that the credential was used. No ballot is linked to anyone.
    """
    cycles = db.session.scalars(select(Cycle).where(Cycle.phase.in_(
        [Phase.voting, Phase.tallying, Phase.results, Phase.implementation])).order_by(Cycle.id.desc()))
    entries = {e.cycle_id: e for e in db.session.scalars(
        select(VoterRollEntry).where(VoterRollEntry.user_id == user.id))}
    states = []
    for cycle in cycles:
        entry = entries.get(cycle.id)
        voted = entry is not None and db.session.get(VoteMark, (cycle.id, f"roll:{entry.id}")) is not None
        states.append(VotingState(cycle, entry is not None, voted))
    return states


def export(user: User) -> dict:
    """Everything stored about the account and written from it, as plain JSON-ready data.

    Not included, because they are not personal data we can give back or would be a risk to:
    the password hash, session and link hashes, and the secret of the second sign-in step.
    """
    return {
        "account": {"name": user.name, "email": user.email, "new_email_waiting_for_its_link": user.pending_email,
                    "role": str(user.role), "language": user.locale,
                    "created_at": user.created_at.isoformat(),
                    "email_verified_at": user.email_verified_at.isoformat() if user.email_verified_at else None,
                    "email_choices": {"my_ideas": user.notify_ideas, "follows": user.notify_follows,
                                      "replies": user.notify_replies, "voting": user.notify_voting}},
        "ideas": [{"id": i.id, "cycle": i.cycle.slug, "title": i.title, "body": i.body, "language": i.locale,
                   "place": i.location_text, "contact": i.contact, "status": str(i.status),
                   "public_answer": i.status_reason, "created_at": i.created_at.isoformat()}
                  for i in my_ideas(user)],
        "comments": [{"id": c.id, "on": type(t).__name__.lower() if t else None, "on_id": getattr(t, "id", None),
                      "body": c.body, "language": c.locale, "hidden": c.is_hidden,
                      "created_at": c.created_at.isoformat()} for c, t in my_comments(user)],
        "supports": [{"idea": s.idea_id, "since": s.created_at.isoformat()} for s in my_supports(user)],
        "reports": [{"comment": r.comment_id, "reason": r.reason, "created_at": r.created_at.isoformat()}
                    for r in db.session.scalars(select(CommentReport).filter_by(reporter_id=user.id)
                                                .order_by(CommentReport.id))],
        "follows": [{"idea": f.idea_id, "project": f.project_id, "since": f.created_at.isoformat()}
                    for f, _t in my_follows(user)],
        "voting": [{"cycle": s.cycle.slug, "registered_with_this_account": s.registered, "voted": s.voted}
                   for s in my_voting(user)],
    }
