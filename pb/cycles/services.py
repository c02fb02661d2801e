"""Create cycles and move them through their phases."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from pb.audit.services import record
from pb.cycles.models import Area, Cycle, CycleLanguage, PhaseDate
from pb.db import db
from pb.enums import Phase, ProjectStatus
from pb.errors import DomainError, WrongPhase


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


def advance_phase(*, actor, cycle: Cycle, current: Phase) -> Cycle:
    """Move the cycle to the phase after `current`.

    `current` is what the staff member saw when they pressed the button, so a double click
    or two staff acting at once cannot skip a phase.
    """
    if cycle.phase != current:
        raise WrongPhase(_l("This cycle has already moved on; reload the page."))
    if cycle.phase.next is None:
        raise WrongPhase(_l("This cycle is in its last phase."))
    if cycle.phase.next == Phase.voting and not _has_ballot_projects(cycle):
        raise DomainError(_l("Mark at least one project ready for the ballot before voting opens."))
    if cycle.phase == Phase.voting:
        from pb.results.services import seal_box

        seal_box(actor=actor, cycle=cycle)
    before, cycle.phase = cycle.phase, cycle.phase.next
    record("cycle.advance", actor=actor, obj=cycle, data={"from": str(before), "to": str(cycle.phase)})
    return cycle


def _has_ballot_projects(cycle: Cycle) -> bool:
    from pb.proposals.models import Project

    return db.session.scalar(select(Project.id).filter_by(
        cycle_id=cycle.id, status=ProjectStatus.ready).limit(1)) is not None
