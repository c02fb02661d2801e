"""Comments on ideas and projects: post, reply, translate, report and moderate."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from pb.audit.services import record
from pb.db import db, utcnow
from pb.deliberation.models import Comment, CommentReport
from pb.enums import Phase, Role
from pb.errors import DomainError, NotAllowed, WrongPhase
from pb.i18n.content import set_translation
from pb.notifications import notify
from pb.proposals.models import Idea, Project
from pb.proposals.rules import strip_controls

MAX_COMMENT = 2000
PER_HOUR = 10  # comments per account per hour, counted in the database (shared by all servers)
REPORTS_PER_HOUR = 10  # reports per account per hour: reporting is cheap, moderating is not
MAX_REPORT_REASON = 200
OPEN_PHASES = {Phase.ideas, Phase.development, Phase.voting}


def post_comment(*, actor, target: Idea | Project, body: str, locale: str,
                 parent: Comment | None = None) -> Comment:
    """A comment (or a reply) in the writer's own language, while the cycle is deliberating."""
    _no_observer(actor)
    body = strip_controls(body).strip()
    if not body or len(body) > MAX_COMMENT:
        raise DomainError(_l("Comments need between 1 and %(n)d characters."), n=MAX_COMMENT)
    if target.cycle.phase not in OPEN_PHASES:
        raise WrongPhase(_l("Comments are closed for this cycle."))
    if parent is not None and (parent.idea_id, parent.project_id) != _target_ids(target):
        raise DomainError(_l("You can only reply to a comment on the same page."))
    since = utcnow() - timedelta(hours=1)
    recent = db.session.scalar(select(func.count()).select_from(Comment).where(
        Comment.author_id == actor.id, Comment.created_at >= since))
    if recent >= PER_HOUR:
        raise DomainError(_l("You have posted many comments in the last hour. Please wait a little."))
    idea_id, project_id = _target_ids(target)
    comment = Comment(body=body, locale=locale, author_id=actor.id, idea_id=idea_id, project_id=project_id,
                      parent_id=parent.id if parent is not None and parent.parent_id is None else
                      getattr(parent, "parent_id", None))
    db.session.add(comment)
    record("comment.post", actor=actor, obj=comment,
           data={"on": type(target).__name__, "id": target.id, "locale": locale})
    notify.comment_replied(comment, parent, target)
    return comment


def translate_comment(*, actor, comment: Comment, locale: str, text: str) -> None:
    """A liaison attaches a human translation, shown beside the original."""
    if actor.role not in (Role.liaison, Role.staff):
        raise NotAllowed(_l("Only liaisons and staff can add translations."))
    text = strip_controls(text).strip()
    if not text or len(text) > MAX_COMMENT or locale == comment.locale:
        raise DomainError(_l("Write the translation in another language (up to %(n)d characters)."), n=MAX_COMMENT)
    set_translation(obj=comment, field="body", locale=locale, text=text, translator=actor)
    record("comment.translate", actor=actor, obj=comment, data={"locale": locale})


def report_comment(*, actor, comment: Comment, reason: str = "") -> CommentReport:
    """Anyone signed in (observers aside) can ask moderators to look at a comment, once per
    comment and a few times an hour; the unique key settles two reports sent at once."""
    _no_observer(actor)
    reason = reason.strip()[:MAX_REPORT_REASON]
    if db.session.scalar(select(func.count()).select_from(CommentReport).filter_by(
            comment_id=comment.id, reporter_id=actor.id)):
        raise DomainError(_l("You have already reported this comment. A moderator will look at it."))
    since = utcnow() - timedelta(hours=1)
    recent = db.session.scalar(select(func.count()).select_from(CommentReport).where(
        CommentReport.reporter_id == actor.id, CommentReport.created_at >= since))
    if recent >= REPORTS_PER_HOUR:
        raise DomainError(_l("You have reported many comments in the last hour. Please wait a little."))
    report = CommentReport(comment_id=comment.id, reporter_id=actor.id, reason=reason)
    db.session.add(report)
    db.session.flush()
    record("comment.report", actor=actor, obj=comment, data={})
    return report


def hide_comment(*, actor, comment: Comment, reason: str) -> Comment:
    """Moderators hide a comment; the public sees that it was hidden and why."""
    if actor.role not in (Role.liaison, Role.staff):
        raise NotAllowed(_l("Only liaisons and staff can moderate comments."))
    reason = reason.strip()
    if not reason or len(reason) > 200:
        raise DomainError(_l("Give a public reason for hiding this comment (up to 200 characters)."))
    comment.is_hidden, comment.hidden_reason = True, reason
    record("comment.hide", actor=actor, obj=comment, data={"reason": reason})
    return comment


def unhide_comment(*, actor, comment: Comment, reason: str) -> Comment:
    """Moderators show a hidden comment again, with a public reason (kept in the audit log)."""
    _moderator(actor)
    reason = reason.strip()
    if not reason or len(reason) > 200:
        raise DomainError(_l("Give a public reason for showing this comment again (up to 200 characters)."))
    if not comment.is_hidden:
        raise DomainError(_l("This comment is not hidden."))
    comment.is_hidden, comment.hidden_reason = False, ""
    record("comment.unhide", actor=actor, obj=comment, data={"reason": reason})
    return comment


def dismiss_reports(*, actor, comment: Comment) -> int:
    """Moderators looked and leave the comment as it is: its open reports are kept, marked
    dismissed, and leave the moderation list. Returns how many were dismissed."""
    _moderator(actor)
    now = utcnow()
    dismissed = db.session.execute(update(CommentReport).where(
        CommentReport.comment_id == comment.id, CommentReport.dismissed_at.is_(None))
        .values(dismissed_at=now, dismissed_by_id=actor.id)).rowcount
    if not dismissed:
        raise DomainError(_l("There are no open reports about this comment."))
    record("comment.dismiss_reports", actor=actor, obj=comment, data={"reports": dismissed})
    return dismissed


def _moderator(actor) -> None:
    if getattr(actor, "role", None) not in (Role.liaison, Role.staff):
        raise NotAllowed(_l("Only liaisons and staff can moderate comments."))


def _no_observer(actor) -> None:
    if getattr(actor, "role", None) == Role.observer:
        raise NotAllowed(_l("Observers can read everything but cannot post or report."))


def _target_ids(target) -> tuple[int | None, int | None]:
    return (target.id, None) if isinstance(target, Idea) else (None, target.id)
