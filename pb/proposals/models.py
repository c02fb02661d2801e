from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.cycles.models import Area, Cycle
from pb.db import UTCDateTime, db, utcnow
from pb.enums import Channel, IdeaStatus, ProjectStatus


class Idea(db.Model):
    """A resident's idea, in the language it was written in, with its public answer."""

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    category: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    location_text: Mapped[str] = mapped_column(String(200), default="")
    locale: Mapped[str] = mapped_column(String(16))
    status: Mapped[IdeaStatus] = mapped_column(
        Enum(IdeaStatus, native_enum=False, length=16), default=IdeaStatus.submitted
    )
    status_reason: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[Channel] = mapped_column(Enum(Channel, native_enum=False, length=8))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # liaison
    contact: Mapped[str] = mapped_column(String(200), default="")  # never shown publicly
    # Anonymous submissions only: a hash of a random per-browser-session token, so the
    # duplicate and rate-limit rules can recognise "the same submitter" without an account.
    submitter_key: Mapped[str | None] = mapped_column(String(64), index=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("idea.id"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cycle: Mapped[Cycle] = relationship()
    area: Mapped[Area | None] = relationship()
    project: Mapped[Project | None] = relationship(back_populates="ideas")
    merged_into: Mapped[Idea | None] = relationship(remote_side=[id], back_populates="merged")
    merged: Mapped[list[Idea]] = relationship(back_populates="merged_into", order_by="Idea.id")
    revisions: Mapped[list[IdeaRevision]] = relationship(order_by="IdeaRevision.id.desc()")

    def __repr__(self) -> str:
        return f"<Idea {self.id} {self.status}>"


class IdeaRevision(db.Model):
    """An earlier text of an idea, kept when its author edited it (shown on the idea's page)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("idea.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    location_text: Mapped[str] = mapped_column(String(200), default="")
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # when it was edited


class IdeaSupport(db.Model):
    """One account supports one idea during idea collection; the key allows only one."""

    __table_args__ = (UniqueConstraint("idea_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("idea.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Project(db.Model):
    """A costed project on the ballot, developed by staff from one or more ideas."""

    __table_args__ = (CheckConstraint("cost_cents > 0", name="cost_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    category: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(16))
    cost_cents: Mapped[int]
    # [{"item": "Van lease, 12 months", "cents": 3600000}, ...]
    cost_breakdown: Mapped[list] = mapped_column(JSON, default=list)
    feasibility_notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ProjectStatus] = mapped_column(
        Enum(ProjectStatus, native_enum=False, length=8), default=ProjectStatus.draft
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cycle: Mapped[Cycle] = relationship()
    area: Mapped[Area | None] = relationship()
    ideas: Mapped[list[Idea]] = relationship(back_populates="project")

    def __repr__(self) -> str:
        return f"<Project {self.id} {self.cost_cents}>"
