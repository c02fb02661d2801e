"""Follow and unfollow ideas and projects; forget a person's follows when their account goes.

Following is a private preference, like a language choice: it is not written to the public
audit log, which never names a resident.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from pb.db import db
from pb.notifications.models import Follow


def _target(idea, project) -> dict:
    if (idea is None) == (project is None):
        raise ValueError("follow exactly one idea or one project")
    return {"idea_id": idea.id} if idea is not None else {"project_id": project.id}


def is_following(*, user, idea=None, project=None) -> bool:
    return db.session.scalar(select(Follow.id).filter_by(user_id=user.id, **_target(idea, project))) is not None


def follow(*, user, idea=None, project=None) -> bool:
    """Follow an idea or a project (a second click changes nothing). True if newly followed."""
    target = _target(idea, project)
    if is_following(user=user, idea=idea, project=project):
        return False
    try:
        with db.session.begin_nested():  # two clicks at once: the unique key keeps one row
            db.session.add(Follow(user_id=user.id, **target))
    except IntegrityError:
        return False
    return True


def unfollow(*, user, idea=None, project=None) -> bool:
    """Stop following. True if there was something to stop."""
    return bool(db.session.execute(delete(Follow).filter_by(user_id=user.id, **_target(idea, project))).rowcount)


def forget_follows(*, user) -> int:
    """Delete every follow of `user` (their account is being deleted)."""
    return db.session.execute(delete(Follow).where(Follow.user_id == user.id)).rowcount


def follows_of(user) -> list[Follow]:
    return list(db.session.scalars(select(Follow).where(Follow.user_id == user.id).order_by(Follow.created_at.desc())))


def follower_ids(*, idea_ids=(), project_ids=()) -> set[int]:
    """Who follows any of these ideas or projects."""
    ids: set[int] = set()
    if idea_ids:
        ids |= set(db.session.scalars(select(Follow.user_id).where(Follow.idea_id.in_(list(idea_ids)))))
    if project_ids:
        ids |= set(db.session.scalars(select(Follow.user_id).where(Follow.project_id.in_(list(project_ids)))))
    return ids
