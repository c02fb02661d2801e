"""Is a cycle ready for voting? The checklist staff see, and the lifecycle enforces.

Each item is ok, a problem (voting cannot open) or a warning (voting opens only once staff
acknowledge it). Opening voting runs the same checks under the cycle lock, so the page and
the rule never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import func, select

from pb.cycles.models import Cycle
from pb.cycles.services import PB_RULES
from pb.db import db
from pb.enums import Phase
from pb.i18n.content import unreviewed_locales
from pb.i18n.filters import language_name
from pb.kiosk.models import Site
from pb.proposals.queries import ballot_projects
from pb.tally import TallyError
from pb.tally.ties import TieBreak
from pb.voting.models import AccessCode

OK, PROBLEM, WARNING = "ok", "problem", "warning"
# The dates residents need: when each phase up to the results starts (voting closes = counting).
REQUIRED_DATES = (Phase.ideas, Phase.development, Phase.voting, Phase.tallying, Phase.results)
FULL_FUNDING = "full_funding"


@dataclass(frozen=True)
class Item:
    """One line of the checklist: a key for tests, its status and a translated sentence."""

    key: str
    status: str
    message: object  # a lazy string, translated when shown

    def __str__(self) -> str:
        return str(self.message)


def readiness(cycle: Cycle) -> list[Item]:
    """Every check for opening voting, in the order the page lists them."""
    projects = ballot_projects(cycle)
    return [_projects(projects), _counting(cycle), _translations(cycle, projects), _dates(cycle),
            _sites(cycle), _codes(cycle), _funding(cycle, projects)]


def blocking(items: list[Item], *, acknowledged: bool) -> list[Item]:
    """The items that keep voting closed: problems, and warnings nobody acknowledged."""
    return [i for i in items if i.status == PROBLEM or (i.status == WARNING and not acknowledged)]


def _projects(projects) -> Item:
    if len(projects) >= 2:
        return Item("projects", OK, lazy_ngettext("%(num)d project is ready for the ballot.",
                                                  "%(num)d projects are ready for the ballot.", len(projects)))
    return Item("projects", PROBLEM, _l("Mark at least two projects ready for the ballot."))


def _counting(cycle: Cycle) -> Item:
    if "seeded-lottery" in (cycle.tie_break or "").split(",") and not (cycle.tie_seed or "").isdigit():
        return Item("counting", PROBLEM, _l("The lottery tie-break needs its published seed."))
    try:
        chain = TieBreak.parse(cycle.tie_break, int(cycle.tie_seed) if cycle.tie_seed else None).criteria
    except TallyError:
        chain = ()
    if cycle.rule not in PB_RULES or not chain:
        return Item("counting", PROBLEM, _l("Choose the counting rule and a tie-break."))
    return Item("counting", OK, _l("The counting rule, tie-break and seed are declared."))


def _translations(cycle: Cycle, projects) -> Item:
    missing = sorted({code for p in projects
                      for code in unreviewed_locales(p, ("title", "summary"), cycle.locales)})
    if missing:
        return Item("translations", PROBLEM,
                    _l("Some ready projects still need reviewed translations in: %(languages)s.",
                       languages=", ".join(language_name(c) for c in missing)))
    return Item("translations", OK, _l("Every ready project has reviewed translations."))


def _dates(cycle: Cycle) -> Item:
    if all(cycle.starts_at(phase) for phase in REQUIRED_DATES):
        return Item("dates", OK, _l("The dates of every phase are set."))
    return Item("dates", PROBLEM, _l("Set the date of every phase, including when voting closes."))


def _sites(cycle: Cycle) -> Item:
    if not cycle.use_kiosks:
        return Item("sites", OK, _l("This cycle does not use kiosks or paper ballots."))
    if db.session.scalar(select(func.count()).select_from(Site).filter_by(cycle_id=cycle.id)):
        return Item("sites", OK, _l("Kiosk and paper sites are defined."))
    return Item("sites", PROBLEM, _l("Add at least one site for kiosks and paper ballots."))


def _codes(cycle: Cycle) -> Item:
    if not cycle.allow_access_codes:
        return Item("codes", OK, _l("This cycle does not use printed access codes."))
    if db.session.scalar(select(func.count()).select_from(AccessCode).filter_by(cycle_id=cycle.id)):
        return Item("codes", OK, _l("Access codes are issued."))
    return Item("codes", PROBLEM, _l("Issue access codes, or turn printed access codes off."))


def _funding(cycle: Cycle, projects) -> Item:
    total = sum(p.cost_cents for p in projects)
    if projects and total <= cycle.budget_cents:
        return Item(FULL_FUNDING, WARNING, _l("The ready projects cost no more than the budget: every "
                                              "project will be funded; the vote cannot change the outcome."))
    return Item(FULL_FUNDING, OK, _l("The ready projects cost more than the budget, so the vote decides."))
