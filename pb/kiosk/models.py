from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.db import UTCDateTime, db, utcnow


class Site(db.Model):
    """A place where liaisons run kiosks and collect paper ballots (clinic, library...)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))

    def __repr__(self) -> str:
        return f"<Site {self.name}>"


class KioskSession(db.Model):
    """A liaison's kiosk shift on one device at one site."""

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    liaison_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    device_hash: Mapped[str] = mapped_column(String(64))
    # The liaison's check-in PIN for this shift (a scrypt hash): a resident left alone with the
    # device cannot check anyone in. Too many wrong PINs in the shift lock check-in (pb.kiosk.services).
    pin_hash: Mapped[str] = mapped_column(String(200), default="")
    pin_failures: Mapped[int] = mapped_column(default=0)
    check_ins: Mapped[int] = mapped_column(default=0)
    ballots_cast: Mapped[int] = mapped_column(default=0)  # a tally, never a link to ballots
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    site: Mapped[Site] = relationship()

    def __repr__(self) -> str:
        return f"<KioskSession {self.id}>"


class PaperBatch(db.Model):
    """A bundle of paper ballots from one site and day, reconciled before it closes."""

    __table_args__ = (CheckConstraint("received_count >= 0", name="received_nonnegative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    received_on: Mapped[date] = mapped_column(Date)
    received_count: Mapped[int]
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A second person counts the sheets again before the batch can close.
    received_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # People on the paper check-in list (written to the shared voter roll); sheets <= check-ins.
    check_ins: Mapped[int] = mapped_column(default=0)
    # Key of the HMAC in the public `paper.close` event: without it a small batch's digest
    # cannot be brute-forced back to its rankings. Never published (docs/SECURITY.md).
    digest_salt: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_hex(32))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    cancel_reason: Mapped[str] = mapped_column(String(300), default="")

    entries: Mapped[list[PaperEntry]] = relationship(order_by="PaperEntry.sheet_no")

    @property
    def is_open(self) -> bool:
        return self.closed_at is None and self.cancelled_at is None

    def __repr__(self) -> str:
        return f"<PaperBatch {self.id}>"


class PaperEntry(db.Model):
    """One paper sheet as typed in (and optionally typed again by a second liaison)."""

    __table_args__ = (UniqueConstraint("batch_id", "sheet_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("paper_batch.id"))
    sheet_no: Mapped[int]
    ranking: Mapped[list] = mapped_column(JSON, default=list)
    invalid_reason: Mapped[str] = mapped_column(String(200), default="")
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    check_ranking: Mapped[list | None] = mapped_column(JSON)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # A mismatch is settled by a third person; both disputed readings are kept here.
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    disputed: Mapped[dict | None] = mapped_column(JSON)

    def __repr__(self) -> str:
        return f"<PaperEntry {self.batch_id}:{self.sheet_no}>"


class PaperCheckIn(db.Model):
    """One person on a batch's paper check-in list, while the batch is open.

    The rows are deleted when the batch closes (only the count stays on the batch), so the
    database does not keep a list of names next to a small pile of typed sheets.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("paper_batch.id"), index=True)
    roll_entry_id: Mapped[str] = mapped_column(ForeignKey("voter_roll_entry.id"), unique=True)

    def __repr__(self) -> str:
        return f"<PaperCheckIn {self.batch_id}>"
