from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pb.db import UTCDateTime, db, random_key, utcnow
from pb.enums import Channel


class SurveyResponse(db.Model):
    """One person's anonymous survey answers: random key, no ballot, no voter, no time.

    Stored by its random key (no SQLite rowid); the seal rewrites the table in random order
    and blurs the language of groups under 20, as it does for ballots.
    `answers` maps a question key to a band key (a list for multi-select questions);
    a question left blank is absent.
    """

    __table_args__ = {"sqlite_with_rowid": False}

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_key)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    channel: Mapped[Channel] = mapped_column(Enum(Channel, native_enum=False, length=8))
    locale: Mapped[str] = mapped_column(String(16))
    answers: Mapped[dict] = mapped_column(JSON)

    def __repr__(self) -> str:
        return "<SurveyResponse>"


class SurveyTicketUse(db.Model):
    """A keyed hash of a used one-time survey ticket, so one ballot gives at most one answer.

    The ticket itself lives only in the voter's session cookie; the seal deletes these rows
    (the survey closes with voting), so nothing is left to match against.
    """

    __table_args__ = {"sqlite_with_rowid": False}

    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), primary_key=True)
    ticket_hash: Mapped[str] = mapped_column(String(64), primary_key=True)


class SurveyQuestion(db.Model):
    """A question a cycle adds after the standard ones, written by staff before voting opens.

    Its answers are stored under the stable key "q<id>", and its options under "o1".."oN" in
    the order of the lines of `options`, so translations and edits never change a stored key.
    `text` and `options` go through the translation queue (`locale` is the language they were
    written in).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(String(300))
    options: Mapped[str] = mapped_column(Text)  # one answer option per line
    multiple: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str] = mapped_column(String(16))

    @property
    def key(self) -> str:
        return f"q{self.id}"

    @property
    def option_lines(self) -> list[str]:
        return option_lines(self.options)

    @property
    def option_keys(self) -> list[str]:
        return [f"o{n}" for n in range(1, len(self.option_lines) + 1)]

    def __repr__(self) -> str:
        return f"<SurveyQuestion {self.id}>"


def option_lines(text: str) -> list[str]:
    """The non-blank lines of an options text, trimmed (the n-th is option "o<n>")."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class SurveyBatch(db.Model):
    """A stack of paper survey forms a liaison types in one at a time, then closes."""

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    entered: Mapped[int] = mapped_column(default=0)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<SurveyBatch {self.id}>"


class PopulationCount(db.Model):
    """The eligible residents of one area in one band of one question (e.g. from the ACS)."""

    __table_args__ = (CheckConstraint("count >= 0", name="count_not_negative"),)

    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), primary_key=True)
    question: Mapped[str] = mapped_column(String(32), primary_key=True)
    band: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"<PopulationCount {self.question}:{self.band}>"


class TurnoutDay(db.Model):
    """Participation per day, area, channel and language, kept only while a cycle opts in.

    Never by project, never finer than a day. `area_id` 0 means "area not known" (anonymous
    access codes). The seal rewrites the table in random order with the box.
    """

    __table_args__ = {"sqlite_with_rowid": False}

    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    area_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[Channel] = mapped_column(Enum(Channel, native_enum=False, length=8), primary_key=True)
    locale: Mapped[str] = mapped_column(String(16), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
