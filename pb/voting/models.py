from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pb.db import UTCDateTime, db, random_key, utcnow
from pb.enums import Channel, CodeStatus


class RollStatus(StrEnum):
    active = "active"  # may vote
    held = "held"  # a near match of someone on the roll: a liaison decides first
    refused = "refused"  # a liaison decided it is a person already on the roll


class VoterRollEntry(db.Model):
    """An attested eligible resident of one cycle, shared by online, kiosk, code and paper.

    `dedup_key` is a keyed hash of the normalised name and birth date (pb.voting.roll): the raw
    values are never stored, and the email address only until the reminder a registrant asked
    for is queued or voting closes. The area is an attribute, not identity. The key is random, so
    links, cookies and vote marks reveal neither order nor count.
    """

    __table_args__ = (UniqueConstraint("cycle_id", "dedup_key"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_key)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"))
    dedup_key: Mapped[str] = mapped_column(String(64))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    channel: Mapped[Channel] = mapped_column(Enum(Channel, native_enum=False, length=8))
    status: Mapped[RollStatus] = mapped_column(Enum(RollStatus, native_enum=False, length=8),
                                               default=RollStatus.active)
    # Entries this one near-matched when it was held, for the liaison's list.
    held_matches: Mapped[list | None] = mapped_column(JSON)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    email_verified: Mapped[bool] = mapped_column(default=False)
    # Keyed hash of the normalised email, to cap the people one mailbox can register.
    email_key: Mapped[str | None] = mapped_column(String(64), index=True)
    # SHA-256 of the one pending verification token; cleared when it is used.
    verify_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    verify_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Only for someone who asked for one reminder before voting closes: the plain address and
    # the language to write in. Cleared when the reminder is queued, and for the whole cycle
    # by the seal when voting closes (pb.voting.reminders); never touched when anyone casts.
    remind_to: Mapped[str | None] = mapped_column(String(254))
    remind_locale: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return "<VoterRollEntry>"


class RollKey(db.Model):
    """A keyed hash that a near spelling of the same person would share (pb.voting.roll)."""

    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    entry_id: Mapped[str] = mapped_column(ForeignKey("voter_roll_entry.id", ondelete="CASCADE"),
                                          primary_key=True)


class AccessCode(db.Model):
    """A printed single-use voting code; only its hash is stored. The key is random."""

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_key)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    batch: Mapped[str] = mapped_column(String(64))
    status: Mapped[CodeStatus] = mapped_column(
        Enum(CodeStatus, native_enum=False, length=8), default=CodeStatus.unused
    )
    # Set on every code of a voided batch, used ones too, so that trying the sheet's codes
    # afterwards cannot tell used from unused (their status still says which, for staff later).
    batch_voided: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<AccessCode {self.status}>"


class VoteMark(db.Model):
    """"This credential has voted": the primary key makes a second ballot impossible.

    Written in the same transaction as the ballot; it holds no time and no ballot reference.
    Credentials are "roll:<random key>" or "code:<random key>", never a sequence number.
    """

    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), primary_key=True)
    credential: Mapped[str] = mapped_column(String(80), primary_key=True)
    channel: Mapped[Channel] = mapped_column(Enum(Channel, native_enum=False, length=8))


class Ballot(db.Model):
    """A secret ranked ballot: random key, no voter, no time, no sequence, no tracker.

    Stored by its random key (no SQLite rowid); the seal rewrites the table in random order.
    """

    __table_args__ = {"sqlite_with_rowid": False}

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_key)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    ranking: Mapped[list] = mapped_column(JSON)  # project ids, most preferred first
    channel: Mapped[Channel] = mapped_column(Enum(Channel, native_enum=False, length=8))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    locale: Mapped[str] = mapped_column(String(16))

    def __repr__(self) -> str:
        return "<Ballot>"


class Tracker(db.Model):
    """A ballot's receipt: proves a ballot is in the box, and is kept apart from every ranking.

    Written with its ballot, but in its own table with nothing that points to the ballot, so
    once the seal has rewritten both tables in independent random orders a tracker shown on a
    kiosk screen leads to no ranking, even for someone holding the database.
    """

    __table_args__ = {"sqlite_with_rowid": False}

    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(16), primary_key=True)

    def __repr__(self) -> str:
        return "<Tracker>"


class BoxSeal(db.Model):
    """The sealed ballot box of a cycle: how many ballots, and digests anyone can recompute."""

    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), primary_key=True)
    ballot_count: Mapped[int]
    ballots_sha256: Mapped[str] = mapped_column(String(64))
    trackers_sha256: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<BoxSeal {self.cycle_id} {self.ballot_count}>"
