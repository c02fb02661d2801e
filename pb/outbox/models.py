from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pb.db import UTCDateTime, db, utcnow


class OutboxMail(db.Model):
    """One email waiting to be delivered, or the trace of one that was.

    The body of a queued mail may hold a one-time link, so it is blanked as soon as the mail
    is delivered or dropped; what stays is who it went to, the subject and when.
    """

    __table_args__ = (Index("ix_outbox_mail_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(16))
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    # A list mail (a notification) offers unsubscribe, so an unsubscribed address never gets it.
    is_list: Mapped[bool] = mapped_column(default=False)
    # Set for mail that must go out once per event and person, whatever repeats the event.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(8), default="queued")  # queued, sent, dropped, failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(String(64), default="")  # an exception's type, never text
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<OutboxMail {self.id} {self.status} attempts={self.attempts}>"


class MailSuppression(db.Model):
    """An address that unsubscribed: it gets no list mail (account and sign-in mail still go).

    Only the SHA-256 of the normalised address is kept.
    """

    address_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<MailSuppression {self.address_hash[:8]}>"
