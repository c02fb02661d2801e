"""Post comments on ideas and projects."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from pb.audit.services import record
from pb.db import db
from pb.deliberation.models import Comment
from pb.errors import DomainError
from pb.proposals.models import Idea, Project

MAX_COMMENT = 2000


def post_comment(*, actor, target: Idea | Project, body: str, locale: str,
                 parent: Comment | None = None) -> Comment:
    """A comment in the writer's own language."""
    body = body.strip()
    if not body or len(body) > MAX_COMMENT:
        raise DomainError(_l("Comments need between 1 and %(n)d characters."), n=MAX_COMMENT)
    comment = Comment(body=body, locale=locale, author_id=getattr(actor, "id", None),
                      parent_id=getattr(parent, "id", None),
                      idea_id=target.id if isinstance(target, Idea) else None,
                      project_id=target.id if isinstance(target, Project) else None)
    db.session.add(comment)
    record("comment.post", actor=actor, obj=comment,
           data={"on": type(target).__name__, "id": target.id, "locale": locale})
    return comment
