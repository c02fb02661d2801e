"""Create and edit cycles and their areas (pb.lifecycle moves them through their phases).

Every setting is checked here, so a form, the CLI and a test get the same clear refusal:
increasing dates, known languages, counting rule and tie-break, a sane budget, a free slug.
From the opening of voting the settings that define the ballot are locked.
"""

from __future__ import annotations

import re
from datetime import datetime

from babel.numbers import get_currency_precision, list_currencies
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from pb.audit.services import record
from pb.cycles.models import Area, Cycle, CycleLanguage, PhaseDate
from pb.cycles.queries import lock_cycle
from pb.db import db
from pb.enums import CATEGORIES, Phase
from pb.errors import DomainError, WrongPhase
from pb.i18n.labels import phase_name
from pb.tally import RULES, TallyError
from pb.tally.rules import RCV_RULES
from pb.tally.rules.base import COMPLETIONS, POINTS
from pb.tally.ties import TieBreak

MAX_BUDGET_CENTS = 10**12  # ten billion dollars: anything above is a typing mistake
MAX_TITLE, MAX_DESCRIPTION, MAX_AREA = 200, 5000, 120
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
# Counting rules for a budget ballot; IRV/STV count seat elections, not project ballots.
PB_RULES = tuple(name for name in RULES if name not in RCV_RULES)
# What voters see or what decides the count: fixed from the opening of voting.
BALLOT_FIELDS = frozenset({"title", "description", "budget_cents", "currency", "rule", "rule_params", "tie_break",
                           "tie_seed", "max_ranks", "min_age", "languages", "areas"})
EDITABLE = frozenset({"title", "description", "budget_cents", "currency", "rule", "rule_params", "tie_break",
                      "tie_seed", "max_ranks", "min_age", "kiosk_idle_seconds", "use_kiosks", "categories",
                      "languages", "schedule", "show_support_counts",
                      "allow_anonymous_ideas"})
DATED_PHASES = tuple(list(Phase)[1:])  # every phase after draft has an announced start


def offered_locales() -> list[str]:
    """The content languages a cycle may offer: the enabled interface languages."""
    return list(current_app.config["LANGUAGES"])


def is_locked(cycle: Cycle) -> bool:
    """Whether the ballot-defining settings are fixed (voting has opened)."""
    return list(Phase).index(cycle.phase) >= list(Phase).index(Phase.voting)


def create_cycle(*, actor, slug: str, title: str, locale: str, budget_cents: int,
                 currency: str = "USD", description: str = "", languages: list[str] = (),
                 areas: list[tuple[str, str]] = (), schedule: dict[Phase, datetime] | None = None,
                 **settings) -> Cycle:
    """A new cycle in draft, with its areas [(slug, name)], languages and announced dates."""
    slug = (slug or "").strip()
    if not SLUG_RE.match(slug) or slug == "new":
        raise DomainError(_l("The web address name may use only small letters a-z, digits and dashes "
                             "(up to 64)."))
    if db.session.scalar(select(func.count()).select_from(Cycle).where(Cycle.slug == slug)):
        raise DomainError(_l("Another cycle already uses the web address name “%(slug)s”."), slug=slug)
    settings.setdefault("categories", list(CATEGORIES))
    locales = sorted({locale, *languages})
    _check(title=title, description=description, budget_cents=budget_cents, currency=currency,
           locale=locale, languages=locales, schedule=schedule or {}, **settings)
    cycle = Cycle(slug=slug, title=title.strip(), description=description.strip(), locale=locale,
                  budget_cents=budget_cents, currency=currency, **settings)
    cycle.languages = [CycleLanguage(locale=code) for code in locales]
    cycle.schedule = [PhaseDate(phase=p, starts_at=at) for p, at in (schedule or {}).items()]
    names = [name.strip() for _, name in areas]
    if any(not n or len(n) > MAX_AREA for n in names):
        raise DomainError(_l("Give the area a name of 1 to %(n)d characters."), n=MAX_AREA)
    if len({n.casefold() for n in names}) < len(names):
        raise DomainError(_l("Two areas have the same name."))
    db.session.add(cycle)
    db.session.add_all(Area(cycle=cycle, slug=s, name=n, locale=locale) for (s, _), n in zip(areas, names, strict=True))
    record("cycle.create", actor=actor, obj=cycle,
           data={"budget_cents": budget_cents, "currency": currency, "rule": cycle.rule,
                 "tie_break": cycle.tie_break, "languages": cycle.locales})
    return cycle


def update_cycle(*, actor, cycle: Cycle, **changes) -> Cycle:
    """Change a cycle's settings; audited as `cycle.update` with every changed field.

    Until voting opens everything may change; from then on the ballot-defining settings
    (BALLOT_FIELDS) are refused, under the cycle lock the opening of voting also takes.
    """
    lock_cycle(cycle, exclusive=True)
    unknown = set(changes) - EDITABLE
    if unknown:
        raise DomainError(_l("These settings cannot be changed here."))
    current = _current_values(cycle)
    changed = {k: v for k, v in changes.items() if v != current[k]}
    if is_locked(cycle) and set(changed) & BALLOT_FIELDS:
        raise WrongPhase(_l("Voting has opened, so the title, description, budget, counting rule, tie-break, "
                            "seed, ranks, age, languages and areas can no longer change."))
    if not changed:
        return cycle
    merged = {k: v for k, v in (current | changed).items() if k != "areas"}
    _check(locale=cycle.locale, **merged)
    _apply(cycle, changed)
    record("cycle.update", actor=actor, obj=cycle, data={"changed": _audit_values(changed)})
    return cycle


def add_area(*, actor, cycle: Cycle, name: str) -> Area:
    """A new service area; names are unique in a cycle, ignoring case."""
    lock_cycle(cycle, exclusive=True)
    _check_unlocked_areas(cycle)
    _check_area_name(cycle, name)
    area = Area(cycle=cycle, slug=_area_slug(cycle, name), name=name.strip(), locale=cycle.locale)
    db.session.add(area)
    db.session.flush()
    record("area.add", actor=actor, obj=cycle, data={"area": area.id, "name": area.name})
    return area


def rename_area(*, actor, area: Area, name: str) -> Area:
    """Give an area a new name (its web name and the ideas that name it stay)."""
    lock_cycle(area.cycle, exclusive=True)
    _check_unlocked_areas(area.cycle)
    _check_area_name(area.cycle, name, ignore=area)
    before, area.name = area.name, name.strip()
    record("area.rename", actor=actor, obj=area.cycle, data={"area": area.id, "from": before, "to": area.name})
    return area


def retire_area(*, actor, area: Area, retired: bool = True) -> Area:
    """Stop (or restart) offering an area; it is never deleted, since ideas may name it."""
    lock_cycle(area.cycle, exclusive=True)
    _check_unlocked_areas(area.cycle)
    if retired and len(area.cycle.areas) <= 1 and not area.is_retired:
        raise DomainError(_l("A cycle needs at least one area in use."))
    area.is_retired = retired
    record("area.retire" if retired else "area.restore", actor=actor, obj=area.cycle,
           data={"area": area.id, "name": area.name})
    db.session.flush()
    db.session.expire(area.cycle, ["areas"])
    return area


# ---- checks -----------------------------------------------------------------------------

def _check(*, title: str, description: str, budget_cents: int, currency: str, locale: str,
           languages: list[str], schedule: dict, **settings) -> None:
    """Refuse any setting that would make the cycle unusable; `settings` are Cycle columns."""
    title = (title or "").strip()
    if not title or len(title) > MAX_TITLE:
        raise DomainError(_l("Give the cycle a title of 1 to %(n)d characters."), n=MAX_TITLE)
    if len(description or "") > MAX_DESCRIPTION:
        raise DomainError(_l("The description can be at most %(n)d characters."), n=MAX_DESCRIPTION)
    if not isinstance(budget_cents, int) or budget_cents <= 0:
        raise DomainError(_l("The budget must be more than zero."))
    if budget_cents > MAX_BUDGET_CENTS:
        raise DomainError(_l("That budget is far too large. Check the amount."))
    if currency not in list_currencies():
        raise DomainError(_l("Unknown currency “%(code)s”."), code=currency)
    if get_currency_precision(currency) != 2:  # every amount is typed and stored in cents
        raise DomainError(_l("Use a currency with cents, like USD or EUR. “%(code)s” has none, or more than two "
                             "decimal places."), code=currency)
    allowed = offered_locales()
    for code in [locale, *languages]:
        if code not in allowed:
            raise DomainError(_l("Unknown language “%(code)s”."), code=code)
    if locale not in languages:
        raise DomainError(_l("The cycle must be offered in the language it is written in."))
    _check_counting(settings)
    _check_numbers(settings)
    _check_schedule(schedule)


def _check_counting(settings: dict) -> None:
    rule = settings.get("rule", "greedy")
    if rule not in PB_RULES:
        raise DomainError(_l("Unknown counting rule “%(rule)s”."), rule=rule)
    params = settings.get("rule_params") or {}
    if params.get("points", "fixed") not in POINTS or params.get("completion", "none") not in COMPLETIONS:
        raise DomainError(_l("Unknown option for the counting rule."))
    seed = settings.get("tie_seed")
    if seed is not None and (not str(seed).isascii() or not str(seed).isdigit() or len(str(seed)) > 18):
        raise DomainError(_l("The lottery seed must be a whole number of up to 18 digits."))
    spec = settings.get("tie_break", "lexicographic") or ""
    if "seeded-lottery" in spec.split(",") and seed is None:
        raise DomainError(_l("A lottery tie-break needs its published seed."))
    try:
        TieBreak.parse(spec, int(seed) if seed is not None else None)
    except TallyError:
        raise DomainError(_l("Unknown tie-break “%(rule)s”."), rule=settings.get("tie_break")) from None
    if len(settings.get("tie_break") or "") > 32:
        raise DomainError(_l("The tie-break list is too long."))


def _check_numbers(settings: dict) -> None:
    if not 1 <= settings.get("max_ranks", 5) <= 50:
        raise DomainError(_l("Voters may rank between 1 and 50 projects."))
    if not 0 <= settings.get("min_age", 14) <= 120:
        raise DomainError(_l("The minimum age must be between 0 and 120."))
    if not 30 <= settings.get("kiosk_idle_seconds", 120) <= 3600:
        raise DomainError(_l("The kiosk idle time must be between 30 and 3600 seconds."))
    categories = settings.get("categories", list(CATEGORIES))
    if not categories or set(categories) - set(CATEGORIES):
        raise DomainError(_l("Choose at least one idea category from the list."))


def _check_schedule(schedule: dict) -> None:
    """Dates must follow the order of the phases, each strictly after the one before."""
    dated = [(phase, schedule[phase]) for phase in DATED_PHASES if schedule.get(phase)]
    for (_, earlier), (phase, later) in zip(dated, dated[1:], strict=False):
        if later <= earlier:
            raise DomainError(_l("Each date must come after the one before it (check “%(phase)s”)."),
                              phase=_phase_label(phase))


def _phase_label(phase: Phase) -> str:
    return phase_name(phase)


def _check_area_name(cycle: Cycle, name: str, ignore: Area | None = None) -> None:
    name = (name or "").strip()
    if not name or len(name) > MAX_AREA:
        raise DomainError(_l("Give the area a name of 1 to %(n)d characters."), n=MAX_AREA)
    if any(a.name.casefold() == name.casefold() and a is not ignore for a in cycle.all_areas):
        raise DomainError(_l("This cycle already has an area called “%(name)s”."), name=name)


def _check_unlocked_areas(cycle: Cycle) -> None:
    if is_locked(cycle):
        raise WrongPhase(_l("Voting has opened, so the areas can no longer change."))


def _area_slug(cycle: Cycle, name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")[:48] or "area"
    taken = {a.slug for a in cycle.all_areas}
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


# ---- applying changes -------------------------------------------------------------------

def _current_values(cycle: Cycle) -> dict:
    values = {field: getattr(cycle, field) for field in EDITABLE - {"languages", "schedule"}}
    values["rule_params"] = dict(cycle.rule_params or {})
    values["categories"] = list(cycle.categories or [])
    values["languages"] = sorted(cycle.locales)
    values["schedule"] = {d.phase: d.starts_at for d in cycle.schedule}
    return values


def _apply(cycle: Cycle, changed: dict) -> None:
    for field, value in changed.items():
        if field == "languages":
            cycle.languages = [CycleLanguage(locale=code) for code in sorted(value)]
        elif field == "schedule":
            _apply_schedule(cycle, value)
        else:
            setattr(cycle, field, value.strip() if isinstance(value, str) and field != "tie_seed" else value)
    db.session.flush()


def _apply_schedule(cycle: Cycle, schedule: dict) -> None:
    rows = {d.phase: d for d in cycle.schedule}
    for phase in DATED_PHASES:
        at, row = schedule.get(phase), rows.get(phase)
        if at is None and row is not None:
            cycle.schedule.remove(row)
        elif at is not None and row is None:
            cycle.schedule.append(PhaseDate(phase=phase, starts_at=at))
        elif row is not None:
            row.starts_at = at


def _audit_values(changed: dict) -> dict:
    """What the log keeps of each change: values, dates as ISO text, long text as its length."""
    out = {}
    for field, value in changed.items():
        if field == "schedule":
            out[field] = {str(p): at.isoformat() for p, at in sorted(value.items()) if at}
        elif field == "description":
            out[field] = {"length": len(value)}
        else:
            out[field] = value
    return out
