"""Reads for comment threads."""

from __future__ import annotations

from sqlalchemy import select

from pb.audit.models import AuditEvent
from pb.db import db
from pb.deliberation.forms import CommentForm
from pb.deliberation.models import Comment
from pb.deliberation.services import OPEN_PHASES
from pb.i18n.models import ContentTranslation
from pb.proposals.models import Idea, Project


def thread(target) -> tuple[list[Comment], dict[int, list[Comment]], dict[int, list[ContentTranslation]]]:
    """Top-level comments oldest first, their replies, and every attached translation."""
    column = Comment.idea_id if isinstance(target, Idea) else Comment.project_id
    comments = list(db.session.scalars(select(Comment).where(column == target.id).order_by(Comment.id)))
    replies: dict[int, list[Comment]] = {}
    for c in comments:
        if c.parent_id is not None:
            replies.setdefault(c.parent_id, []).append(c)
    translations: dict[int, list[ContentTranslation]] = {}
    if comments:
        rows = db.session.scalars(select(ContentTranslation).filter_by(object_type="Comment").where(
            ContentTranslation.object_id.in_([c.id for c in comments])).order_by(ContentTranslation.locale))
        for row in rows:
            translations.setdefault(row.object_id, []).append(row)
    return [c for c in comments if c.parent_id is None], replies, translations


def comment_context(target, post_url: str) -> dict:
    """What templates/deliberation/_thread.html needs for `target`."""
    return {"thread": thread(target), "post_url": post_url,
            "comment_form": CommentForm() if target.cycle.phase in OPEN_PHASES else None}


def reported_comments(cycle_id: int) -> list[Comment]:
    """Visible comments of a cycle that someone reported, for the moderation list."""
    ids = {int(i) for i in db.session.scalars(select(AuditEvent.object_id).filter_by(action="comment.report"))}
    if not ids:
        return []
    comments = db.session.scalars(select(Comment).where(Comment.id.in_(ids), Comment.is_hidden.is_(False)))
    return [c for c in comments if _cycle_id(c) == cycle_id]


def _cycle_id(comment: Comment) -> int | None:
    target = db.session.get(Idea, comment.idea_id) if comment.idea_id else db.session.get(Project, comment.project_id)
    return target.cycle_id if target else None
