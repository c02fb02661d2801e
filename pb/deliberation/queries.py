"""Reads for comment threads."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from sqlalchemy import Row, Select, and_, bindparam, func, or_, select

from pb.db import db
from pb.deliberation.forms import CommentForm
from pb.deliberation.models import Comment, CommentReport
from pb.deliberation.services import OPEN_PHASES
from pb.i18n.models import ContentTranslation
from pb.proposals.models import Idea, Project


class CommentTranslation(NamedTuple):
    locale: str
    text: str


@cache
def _thread_statement(on_project: bool) -> Select:
    """A thread's comments with their translations (any status, as before review), one row per
    comment and translation, built once: only the columns the thread shows."""
    comment, translation = Comment, ContentTranslation
    target = comment.project_id if on_project else comment.idea_id
    return (select(comment.id, comment.parent_id, comment.locale, comment.body, comment.is_hidden,
                   comment.hidden_reason, comment.created_at,
                   translation.locale.label("translation_locale"), translation.text.label("translation"))
            .outerjoin(translation, and_(translation.object_type == "Comment", translation.object_id == comment.id))
            .where(target == bindparam("target_id")).order_by(comment.id, translation.locale))


def thread(target) -> tuple[list[Row], dict[int, list[Row]], dict[int, list[CommentTranslation]]]:
    """Top-level comments oldest first, their replies, and every attached translation, in one
    statement; a comment is a row of the columns the thread shows."""
    comments: dict[int, Row] = {}
    translations: dict[int, list[CommentTranslation]] = {}
    for row in db.session.execute(_thread_statement(not isinstance(target, Idea)), {"target_id": target.id}):
        comments.setdefault(row.id, row)
        if row.translation_locale is not None:
            translations.setdefault(row.id, []).append(CommentTranslation(row.translation_locale, row.translation))
    replies: dict[int, list[Row]] = {}
    for c in comments.values():
        if c.parent_id is not None:
            replies.setdefault(c.parent_id, []).append(c)
    return [c for c in comments.values() if c.parent_id is None], replies, translations


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
