"""Reads for comment threads."""

from __future__ import annotations

from dataclasses import dataclass

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


def comment_context(target, post_url: str, *, signed_in: bool) -> dict:
    """What templates/deliberation/_thread.html needs for `target`.

    A visitor who is not signed in gets no form object (only "sign in to comment"): building
    one makes a CSRF token, and a page with a token can be neither cached nor shared.
    """
    open_ = target.cycle.phase in OPEN_PHASES
    return {"thread": thread(target), "post_url": post_url,
            "comment_form": (CommentForm() if signed_in else True) if open_ else None}


def _on_cycle(cycle_id: int):
    return or_(Comment.idea_id.in_(select(Idea.id).filter_by(cycle_id=cycle_id)),
               Comment.project_id.in_(select(Project.id).filter_by(cycle_id=cycle_id)))


def reported_comments(cycle_id: int) -> list[Comment]:
    """Visible comments of a cycle with open (not dismissed) reports, most reported first."""
    reports = (select(CommentReport.comment_id, func.count().label("n"))
               .where(CommentReport.dismissed_at.is_(None)).group_by(CommentReport.comment_id).subquery())
    return list(db.session.scalars(
        select(Comment).join(reports, reports.c.comment_id == Comment.id)
        .where(Comment.is_hidden.is_(False), _on_cycle(cycle_id)).order_by(reports.c.n.desc(), Comment.id)))


@dataclass(frozen=True)
class ModerationItem:
    """A comment with what a moderator needs to judge it: where it is and its open reports."""

    comment: Comment
    target: Idea | Project
    reports: list[CommentReport]


def moderation_items(cycle_id: int) -> list[ModerationItem]:
    """The moderation list of a cycle: reported visible comments, each with its idea or project
    and its open reports (oldest first)."""
    comments = reported_comments(cycle_id)
    return [ModerationItem(c, comment_target(c), _open_reports(c.id)) for c in comments]


def hidden_comments(cycle_id: int) -> list[tuple[Comment, Idea | Project]]:
    """Hidden comments of a cycle, newest first, so a moderator can show one again."""
    comments = db.session.scalars(select(Comment).where(Comment.is_hidden.is_(True), _on_cycle(cycle_id))
                                  .order_by(Comment.id.desc()))
    return [(c, comment_target(c)) for c in comments]


def comment_target(comment: Comment) -> Idea | Project:
    return db.session.get(Idea, comment.idea_id) if comment.idea_id else db.session.get(Project, comment.project_id)


def _open_reports(comment_id: int) -> list[CommentReport]:
    return list(db.session.scalars(select(CommentReport).where(
        CommentReport.comment_id == comment_id, CommentReport.dismissed_at.is_(None)).order_by(CommentReport.id)))
