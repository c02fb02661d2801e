from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pb.db import UTCDateTime, db, random_key, utcnow
from pb.enums import Channel, CodeStatus


class VoterRollEntry(db.Model):
    """An attested eligible resident of one cycle, shared by online, kiosk and paper.

    `dedup_key` is a keyed hash of normalised name, birth date and area: the raw values are
    never stored, so the roll can tell "already registered" without holding identities.
    """

    __table_args__ = (UniqueConstraint("cycle_id", "dedup_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"))
    dedup_key: Mapped[str] = mapped_column(String(64))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    channel: Mapped[Channel] = mapped_column(Enum(Channel, native_enum=False, length=8))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    email_verified: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<VoterRollEntry {self.id}>"


class AccessCode(db.Model):
    """A printed single-use voting code; only its hash is stored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    batch: Mapped[str] = mapped_column(String(64))
    status: Mapped[CodeStatus] = mapped_column(
        Enum(CodeStatus, native_enum=False, length=8), default=CodeStatus.unused
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<AccessCode {self.id} {self.status}>"


class VoteMark(db.Model):
    """"This credential has voted": the primary key makes a second ballot impossible.

    Written in the same transaction as the ballot; it holds no time and no ballot reference.
    """

    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), primary_key=True)
    credential: Mapped[str] = mapped_column(String(80), primary_key=True)  # "roll:12", "code:7"
    channel: Mapped[Channel] = mapped_column(Enum(Channel, native_enum=False, length=8))


class Ballot(db.Model):
    """A secret ranked ballot: random key, no voter, no time, no sequence."""

    __table_args__ = (UniqueConstraint("cycle_id", "tracker"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_key)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    ranking: Mapped[list] = mapped_column(JSON)  # project ids, most preferred first
    channel: Mapped[Channel] = mapped_column(Enum(Channel, native_enum=False, length=8))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    locale: Mapped[str] = mapped_column(String(16))
    tracker: Mapped[str] = mapped_column(String(16))

    def __repr__(self) -> str:
        return "<Ballot>"


class BoxSeal(db.Model):
    """The sealed ballot box of a cycle: how many ballots, and digests anyone can recompute."""

    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), primary_key=True)
    ballot_count: Mapped[int]
    ballots_sha256: Mapped[str] = mapped_column(String(64))
    trackers_sha256: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<BoxSeal {self.cycle_id} {self.ballot_count}>"
