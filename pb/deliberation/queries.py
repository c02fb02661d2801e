"""Reads for comment threads."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from pb.db import db
from pb.deliberation.forms import CommentForm
from pb.deliberation.models import Comment, CommentReport
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
    """Visible comments of a cycle that someone reported, most reported first, for moderation."""
    reports = (select(CommentReport.comment_id, func.count().label("n"))
               .group_by(CommentReport.comment_id).subquery())
    on_cycle = or_(Comment.idea_id.in_(select(Idea.id).filter_by(cycle_id=cycle_id)),
                   Comment.project_id.in_(select(Project.id).filter_by(cycle_id=cycle_id)))
    return list(db.session.scalars(
        select(Comment).join(reports, reports.c.comment_id == Comment.id)
        .where(Comment.is_hidden.is_(False), on_cycle).order_by(reports.c.n.desc(), Comment.id)))
