"""Reads for the results pages: the published snapshot, funded projects, turnout."""

from __future__ import annotations

from collections import Counter

from babel.numbers import get_currency_precision
from flask import abort
from sqlalchemy import bindparam, func, inspect, select
from sqlalchemy.orm.attributes import set_committed_value

from pb.audit.models import AuditEvent
from pb.audit.services import Anchor, head
from pb.cycles.models import Area, Cycle
from pb.db import db, db_rows
from pb.enums import TallyStatus
from pb.kiosk.models import Site
from pb.proposals.models import Project
from pb.results.models import ProgressUpdate, TallySnapshot
from pb.results.services import current_snapshot
from pb.survey.models import PopulationCount
from pb.voting.models import Ballot, BoxSeal

MIN_CELL = 20  # DESIGN: nothing is published in a breakdown with fewer than 20 ballots


# In the order of the Project.progress relationship, built once (a lazy load costs more).
_PROGRESS = (select(ProgressUpdate).where(ProgressUpdate.project_id == bindparam("project_id"))
             .order_by(ProgressUpdate.created_at))


def with_progress(project: Project) -> Project:
    """The project with its progress reports read now, for its public page."""
    if "progress" in inspect(project).unloaded:
        set_committed_value(project, "progress", list(db.session.scalars(_PROGRESS, {"project_id": project.id})))
    return project


def published_or_404(cycle: Cycle) -> TallySnapshot:
    snapshot = current_snapshot(cycle)
    if snapshot is None:
        abort(404)
    return snapshot


def cents_converter(cycle: Cycle, snapshot: TallySnapshot):
    """The engine counts in the published file's money scale; pages show minor units."""
    factor = 10 ** (get_currency_precision(cycle.currency) - snapshot.result.get("money_decimals", 0))
    return lambda value: int(value) * factor


_PROJECTS = select(Project).where(Project.cycle_id == bindparam("cycle_id"))  # built once: read on every results render


def projects_by_id(cycle: Cycle) -> dict[str, Project]:
    return {str(p.id): p for p in db.session.scalars(_PROJECTS, {"cycle_id": cycle.id})}


# The results page's statements, built once and run with bound values; those of plain columns
# on the session's connection: the ORM's per-statement work (about as much as a small query
# itself) would buy nothing for them.
# Grouped in the database: one row per (channel, site, language), not one per ballot.
_TURNOUT = (select(Ballot.channel, Ballot.site_id, Site.name, Ballot.locale, func.count())
            .outerjoin(Site, Site.id == Ballot.site_id).where(Ballot.cycle_id == bindparam("cycle_id"))
            .group_by(Ballot.channel, Ballot.site_id, Site.name, Ballot.locale))
_PUBLISHED = (select(AuditEvent.seq, AuditEvent.hash)
              .where(AuditEvent.action == "tally.publish", AuditEvent.cycle_id == bindparam("cycle_id"))
              .order_by(AuditEvent.seq.desc()).limit(1))
_FACTS = (select(TallySnapshot.id, TallySnapshot.published_at, BoxSeal.ballot_count, BoxSeal.ballots_sha256,
                 _PUBLISHED.with_only_columns(AuditEvent.seq).scalar_subquery().label("published_seq"),
                 _PUBLISHED.with_only_columns(AuditEvent.hash).scalar_subquery().label("published_hash"))
          .outerjoin(BoxSeal, BoxSeal.cycle_id == TallySnapshot.cycle_id)
          .where(TallySnapshot.cycle_id == bindparam("cycle_id"), TallySnapshot.status == TallyStatus.published))


def published_facts(cycle: Cycle):
    """What the public results page needs besides the result itself, in one statement: the
    published snapshot's id and time, the seal's count and digest, the publishing event's
    number and hash (published_seq, published_hash); None before publication. (The page
    quotes the log's head as the page cache read it: pb.pagecache.request_head.)"""
    return db_rows(_FACTS, {"cycle_id": cycle.id}).first()


def turnout_rows(cycle: Cycle) -> tuple:
    """(channel, site id, site name, language, ballots) for each group of ballots."""
    return tuple(db_rows(_TURNOUT, {"cycle_id": cycle.id}))


def turnout(cycle: Cycle, rows: tuple | None = None) -> dict:
    """Ballots by channel, site and language; any group under MIN_CELL is merged into 'other'."""
    rows = turnout_rows(cycle) if rows is None else rows
    channel, site, language = Counter(), Counter(), Counter()
    for c, s, name, lang, n in rows:
        channel[str(c)] += n
        if s is not None:
            site[name] += n
        if lang:
            language[lang] += n
    return {"total": sum(n for *_, n in rows), "channel": _suppress(channel),
            "site": _suppress(site), "language": _suppress(language)}


def _suppress(counter: Counter) -> dict:
    shown = {k: v for k, v in sorted(counter.items()) if v >= MIN_CELL}
    hidden = sum(v for v in counter.values() if v < MIN_CELL)
    return {"shown": shown, "small": hidden}


def project_outcome(project: Project) -> dict | None:
    """How the published vote went for one project: funded or not, and its points."""
    snapshot = current_snapshot(project.cycle)
    if snapshot is None:
        return None
    key = str(project.id)
    return {"funded": key in snapshot.result["winners"], "points": snapshot.result["totals"].get(key)}


def outcomes(cycle: Cycle) -> dict[int, bool]:
    """Funded (True) or not (False) for every project counted in the published result; empty
    before publication, so pages show a badge only once a result is public."""
    snapshot = current_snapshot(cycle)
    if snapshot is None:
        return {}
    winners = set(snapshot.result["winners"])
    return {int(pid): pid in winners for pid in snapshot.result["totals"] if pid.isdigit()}


# Residents by area, summed over the age bands (every eligible resident is in one age band).
_AGES = (select(PopulationCount.area_id, func.sum(PopulationCount.count))
         .where(PopulationCount.cycle_id == bindparam("cycle_id"), PopulationCount.question == "age")
         .group_by(PopulationCount.area_id))


def eligible_population(cycle: Cycle) -> int | None:
    """Eligible residents, as staff entered them by area and age band (pb.survey), or None
    unless every area in use has figures: a partial sum would make turnout look higher."""
    by_area = dict(db_rows(_AGES, {"cycle_id": cycle.id}).all())
    if not cycle.areas or any(area.id not in by_area for area in cycle.areas):
        return None
    return sum(by_area[area.id] for area in cycle.areas) or None


def funded_by_area(cycle: Cycle, winners: list[Project]) -> list[tuple[Area | None, list[Project], int]]:
    """(area, its funded projects, their cost) for every area in use, then projects for no
    one area: where the money goes. Ballots hold no area, so this is not how each area voted."""
    in_use = {area.id for area in cycle.areas}
    groups = [(area, [p for p in winners if p.area_id == area.id]) for area in cycle.areas]
    rest = [p for p in winners if p.area_id not in in_use]
    if rest:
        groups.append((None, rest))
    return [(area, chosen, sum(p.cost_cents for p in chosen)) for area, chosen in groups]


def audit_anchors(cycle: Cycle) -> dict[str, Anchor | None]:
    """Anchors quoted with a published result: the event that published it (fixed forever) and
    the log's head when the page or file was made (for `pb audit verify --anchor`)."""
    published = db.session.execute(_PUBLISHED, {"cycle_id": cycle.id}).first()
    return {"published": Anchor(published.seq, published.hash) if published else None, "head": head()}
