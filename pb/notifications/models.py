from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pb.db import UTCDateTime, db, utcnow


class Follow(db.Model):
    """A person follows an idea or a project, to hear about its answer and progress."""

    __table_args__ = (
        CheckConstraint("(idea_id IS NULL) <> (project_id IS NULL)", name="one_target"),
        UniqueConstraint("user_id", "idea_id"),
        UniqueConstraint("user_id", "project_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("idea.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Follow {self.id} user={self.user_id}>"
