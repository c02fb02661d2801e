from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Enum,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.db import UTCDateTime, db, utcnow
from pb.enums import Phase


class Cycle(db.Model):
    """One PB round: a budget in minor units, its areas, languages, rule and phase."""

    __table_args__ = (
        CheckConstraint("budget_cents > 0", name="budget_positive"),
        CheckConstraint("max_ranks > 0", name="max_ranks_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    # Title and description in the original language; other languages in ContentTranslation.
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    locale: Mapped[str] = mapped_column(String(16))
    phase: Mapped[Phase] = mapped_column(Enum(Phase, native_enum=False, length=16), default=Phase.draft)
    budget_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    rule: Mapped[str] = mapped_column(String(32), default="greedy")
    rule_params: Mapped[dict] = mapped_column(JSON, default=dict)
    tie_break: Mapped[str] = mapped_column(String(32), default="lexicographic")
    tie_seed: Mapped[str | None] = mapped_column(String(64))
    max_ranks: Mapped[int] = mapped_column(default=5)
    min_age: Mapped[int] = mapped_column(default=14)
    allow_anonymous_ideas: Mapped[bool] = mapped_column(default=False)
    # Whether an idea's page shows how many residents support it (staff always see the count).
    show_support_counts: Mapped[bool] = mapped_column(default=False)
    # Which voter credentials this cycle accepts online (kiosk check-in is always possible).
    allow_access_codes: Mapped[bool] = mapped_column(default=True)
    allow_registration: Mapped[bool] = mapped_column(default=True)
    # Access codes are anonymous (not checked against the roll; said on the voting page) or
    # personal (using one asks for name and birth date and writes the voter roll).
    personal_access_codes: Mapped[bool] = mapped_column(default=False)
    kiosk_idle_seconds: Mapped[int] = mapped_column(default=120)
    # Whether liaisons run kiosks or paper ballots at sites (then sites must exist before voting).
    use_kiosks: Mapped[bool] = mapped_column(default=False)
    # Every paper sheet typed twice by two people; only a cycle can turn it off (audited).
    paper_double_entry: Mapped[bool] = mapped_column(default=True)
    # Staff-only daily participation while voting (pb.survey); off unless a cycle opts in (audited).
    live_turnout: Mapped[bool] = mapped_column(default=False)
    # The idea categories this cycle offers (keys of pb.i18n.labels.CATEGORY_NAMES), in order.
    categories: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Residents are offered only areas in use; a retired area stays for the ideas that name it.
    areas: Mapped[list[Area]] = relationship(
        back_populates="cycle", order_by="Area.name",
        primaryjoin="and_(Area.cycle_id == Cycle.id, Area.is_retired.is_(False))")
    all_areas: Mapped[list[Area]] = relationship(viewonly=True, order_by="Area.name")
    languages: Mapped[list[CycleLanguage]] = relationship(
        cascade="all, delete-orphan", order_by="CycleLanguage.locale"
    )
    schedule: Mapped[list[PhaseDate]] = relationship(
        cascade="all, delete-orphan", order_by="PhaseDate.starts_at"
    )

    @property
    def locales(self) -> list[str]:
        return [lang.locale for lang in self.languages]

    def starts_at(self, phase: Phase) -> datetime | None:
        return next((d.starts_at for d in self.schedule if d.phase == phase), None)

    def __repr__(self) -> str:
        return f"<Cycle {self.slug} {self.phase}>"


class CycleLanguage(db.Model):
    """A language the cycle offers: its content must exist in it before voting."""

    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), primary_key=True)
    locale: Mapped[str] = mapped_column(String(16), primary_key=True)


class PhaseDate(db.Model):
    """The announced start of a phase; phases still advance only by an audited staff action."""

    __table_args__ = (UniqueConstraint("cycle_id", "phase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"))
    phase: Mapped[Phase] = mapped_column(Enum(Phase, native_enum=False, length=16))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Area(db.Model):
    """A neighbourhood or service area within a cycle."""

    __table_args__ = (UniqueConstraint("cycle_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"))
    slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120))
    locale: Mapped[str] = mapped_column(String(16))
    # Retired, not deleted: ideas, voters and sites may already name it.
    is_retired: Mapped[bool] = mapped_column(default=False)

    cycle: Mapped[Cycle] = relationship(back_populates="areas")

    def __repr__(self) -> str:
        return f"<Area {self.slug}>"
