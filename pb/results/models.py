from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from pb.db import UTCDateTime, db, utcnow
from pb.enums import ProgressStatus, TallyStatus


class TallySnapshot(db.Model):
    """A stored count: pages render it, they never recompute a result."""

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    rule: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    tie_break: Mapped[str] = mapped_column(String(32))
    input_sha256: Mapped[str] = mapped_column(String(64))
    result_sha256: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict] = mapped_column(JSON)
    status: Mapped[TallyStatus] = mapped_column(
        Enum(TallyStatus, native_enum=False, length=16), default=TallyStatus.provisional
    )
    correction_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<TallySnapshot {self.id} {self.status}>"


class ProgressUpdate(db.Model):
    """A public report on a funded project's implementation."""

    __table_args__ = (CheckConstraint("percent BETWEEN 0 AND 100", name="percent_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    status: Mapped[ProgressStatus] = mapped_column(Enum(ProgressStatus, native_enum=False, length=16))
    percent: Mapped[int] = mapped_column(default=0)
    spent_cents: Mapped[int] = mapped_column(default=0)
    body: Mapped[str] = mapped_column(Text, default="")
    locale: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Why more than the funded amount was spent: required then, shown with the amount.
    over_budget_reason: Mapped[str] = mapped_column(Text, default="")
    # Set when staff correct the report; the earlier versions are kept as ProgressRevision rows.
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Project.progress: the results domain (above proposals) adds the reverse side.
    project = relationship("Project", backref=backref("progress", order_by="ProgressUpdate.created_at"))

    revisions = relationship("ProgressRevision", order_by="ProgressRevision.id", back_populates="update")

    @property
    def cycle_id(self) -> int:
        """The project's cycle: the audit log and the translation queue file the report there."""
        return self.project.cycle_id

    def __repr__(self) -> str:
        return f"<ProgressUpdate {self.id} {self.status}>"


class ProgressRevision(db.Model):
    """An earlier version of a progress report, kept when staff correct it (public history)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(ForeignKey("progress_update.id"), index=True)
    status: Mapped[ProgressStatus] = mapped_column(Enum(ProgressStatus, native_enum=False, length=16))
    percent: Mapped[int]
    spent_cents: Mapped[int]
    body: Mapped[str] = mapped_column(Text, default="")
    over_budget_reason: Mapped[str] = mapped_column(Text, default="")
    # When this version was first shown (the report's creation or its previous correction).
    shown_from: Mapped[datetime] = mapped_column(UTCDateTime)
    # The correction that replaced it: who, when and why (public).
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    replaced_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    correction_note: Mapped[str] = mapped_column(String(300), default="")

    update = relationship(ProgressUpdate, back_populates="revisions")

    def __repr__(self) -> str:
        return f"<ProgressRevision {self.update_id}:{self.id}>"


class GrantTerms(db.Model):
    """The written terms of a funded project's restricted grant, for the community-benefit
    record (IRS Schedule H asks for grants restricted in writing): who carries it out, what the
    money may be spent on, how many people it should serve and its measurable objectives."""

    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), primary_key=True)
    grantee: Mapped[str] = mapped_column(String(200), default="")
    restriction: Mapped[str] = mapped_column(Text, default="")
    persons_served: Mapped[int | None] = mapped_column()
    objectives: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
