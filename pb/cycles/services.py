"""Create cycles (pb.lifecycle moves them through their phases)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from pb.audit.services import record
from pb.cycles.models import Area, Cycle, CycleLanguage, PhaseDate
from pb.db import db
from pb.enums import Phase
from pb.errors import DomainError


def create_cycle(*, actor, slug: str, title: str, locale: str, budget_cents: int,
                 currency: str = "USD", description: str = "", languages: list[str] = (),
                 areas: list[tuple[str, str]] = (), schedule: dict[Phase, datetime] | None = None,
                 **settings) -> Cycle:
    """A new cycle in draft, with its areas [(slug, name)], languages and announced dates."""
    if budget_cents <= 0:
        raise DomainError(_l("The budget must be more than zero."))
    cycle = Cycle(slug=slug, title=title, description=description, locale=locale,
                  budget_cents=budget_cents, currency=currency, **settings)
    cycle.languages = [CycleLanguage(locale=code) for code in sorted({locale, *languages})]
    cycle.schedule = [PhaseDate(phase=p, starts_at=at) for p, at in (schedule or {}).items()]
    db.session.add(cycle)
    db.session.add_all(Area(cycle=cycle, slug=s, name=n, locale=locale) for s, n in areas)
    record("cycle.create", actor=actor, obj=cycle,
           data={"budget_cents": budget_cents, "currency": currency, "rule": cycle.rule,
                 "tie_break": cycle.tie_break, "languages": cycle.locales})
    return cycle
