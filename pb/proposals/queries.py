"""Reads for idea and project pages: filtered lists, counts, timelines."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from flask import abort
from sqlalchemy import Integer, Row, Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import joinedload

from pb.audit.models import AuditEvent
from pb.cycles.models import Cycle
from pb.db import db
from pb.enums import IdeaStatus, Phase, ProjectStatus, TranslationStatus
from pb.i18n.content import Shown
from pb.i18n.models import ContentTranslation
from pb.proposals.models import Idea, IdeaSupport, Project
from pb.proposals.search import matching_idea_ids
from pb.urls import Page, clamp_page

# Project events that belong on the timeline of the ideas behind the project.
PROJECT_TIMELINE = ("project.ready", "project.draft")
SUPPORT_EVENTS = ("idea.support", "idea.unsupport")  # counted on the page, not listed one by one
NEWEST_FIRST = (Idea.created_at.desc(), Idea.id.desc())


@dataclass(frozen=True)
class IdeaFilters:
    category: str | None = None
    area_id: int | None = None
    status: IdeaStatus | None = None
    locale: str | None = None
    q: str = ""


def get_idea_or_404(idea_id: int, *, include_draft: bool = False) -> Idea:
    idea = db.session.get(Idea, idea_id)
    if idea is None or (idea.cycle.phase == Phase.draft and not include_draft):
        abort(404)
    return idea


@cache
def _page_statements() -> dict[str, Select]:
    # An idea or project page shows the cycle, area and project (or merged-into idea) it
    # belongs to, and an idea page the ideas merged into it and its earlier versions: read
    # with it, in one statement, rather than by a lazy load each.
    return {"idea": select(Idea).where(Idea.id == bindparam("id")).options(
                joinedload(Idea.cycle), joinedload(Idea.area), joinedload(Idea.project),
                joinedload(Idea.merged_into), joinedload(Idea.merged), joinedload(Idea.revisions)),
            "project": select(Project).where(Project.id == bindparam("id")).options(
                joinedload(Project.cycle), joinedload(Project.ideas))}


def public_idea_or_404(idea_id: int) -> Idea:
    """An idea for its public page (a draft cycle's idea is a 404), with what the page shows of it."""
    idea = db.session.scalars(_page_statements()["idea"], {"id": idea_id}).unique().first()
    if idea is None or idea.cycle.phase == Phase.draft:
        abort(404)
    return idea


def public_project_or_404(project_id: int) -> Project:
    """A project for its public page (a draft cycle's project is a 404), with its cycle and ideas."""
    project = db.session.scalars(_page_statements()["project"], {"id": project_id}).unique().first()
    if project is None or project.cycle.phase == Phase.draft:
        abort(404)
    return project


def get_project_or_404(project_id: int) -> Project:
    return db.get_or_404(Project, project_id)


def idea_conditions(cycle: Cycle, filters: IdeaFilters, *, with_status: bool = True) -> list:
    """The WHERE conditions of the cycle's ideas matching `filters`; the search looks in the
    original text and in every translation of the title and description."""
    conditions = [Idea.cycle_id == cycle.id]
    if filters.category:
        conditions.append(Idea.category == filters.category)
    if filters.area_id:
        conditions.append(Idea.area_id == filters.area_id)
    if filters.locale:
        conditions.append(Idea.locale == filters.locale)
    if filters.status and with_status:
        conditions.append(Idea.status == filters.status)
    if filters.q:  # accents and case folded alike on both databases (see pb.proposals.search)
        conditions.append(Idea.id.in_(sorted(matching_idea_ids(cycle.id, filters.q))))
    return conditions


def ideas_query(cycle: Cycle, filters: IdeaFilters, *, with_status: bool = True) -> Select:
    """The cycle's ideas matching `filters`, newest first."""
    return select(Idea).where(*idea_conditions(cycle, filters, with_status=with_status)).order_by(*NEWEST_FIRST)


def status_counts(cycle: Cycle, filters: IdeaFilters) -> dict[IdeaStatus, int]:
    """How many ideas have each status, under every filter except the status itself."""
    return _status_counts(idea_conditions(cycle, filters, with_status=False))


def _status_counts(conditions: list) -> dict[IdeaStatus, int]:
    rows = db.session.execute(select(Idea.status, func.count()).where(*conditions).group_by(Idea.status))
    counts = dict.fromkeys(IdeaStatus, 0)
    counts.update({IdeaStatus(status): n for status, n in rows})
    return counts


@cache
def _idea_page_statements(category: bool, area: bool, locale: bool, status: bool, search: bool) -> tuple[Select, Select]:
    """The status counts and one page of ideas for one combination of filters, built once with
    bound values (see pb.cycles.queries); the same conditions as idea_conditions."""
    conditions = [Idea.cycle_id == bindparam("cycle_id")]
    if category:
        conditions.append(Idea.category == bindparam("category"))
    if area:
        conditions.append(Idea.area_id == bindparam("area_id"))
    if locale:
        conditions.append(Idea.locale == bindparam("locale"))
    if search:
        conditions.append(Idea.id.in_(bindparam("ids", expanding=True)))
    counts = select(Idea.status, func.count()).where(*conditions).group_by(Idea.status)
    if status:
        conditions.append(Idea.status == bindparam("status"))
    # Only what a card shows, with the title's reviewed translation into the reader's language
    # (at most one: one row per object, field and language) instead of a second statement.
    translation = ContentTranslation
    page = (select(Idea.id, Idea.status, Idea.category, Idea.locale, Idea.title,
                   translation.text.label("translated"), translation.source_text.label("translated_from"))
            .outerjoin(translation, and_(translation.object_type == "Idea", translation.object_id == Idea.id,
                                         translation.field == "title", translation.locale == bindparam("reader"),
                                         translation.status == TranslationStatus.reviewed))
            .where(*conditions).order_by(*NEWEST_FIRST)
            .limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer)))
    return counts, page


class IdeaCard(NamedTuple):
    """An idea as the list shows it: its title in the reader's language (see _shown_title)."""

    id: int
    status: IdeaStatus
    category: str
    locale: str
    title: Shown


def _shown_title(row: Row, reader: str) -> Shown:
    """The title as pb.i18n.content.Localized shows it: the original in its own language, a
    reviewed translation of the title as it reads now, else the original marked pending."""
    if row.locale == reader:
        return Shown(row.title, row.locale, pending=False)
    if row.translated is None or row.translated_from != row.title:
        return Shown(row.title, row.locale, pending=True)
    return Shown(row.translated, reader, pending=False)


def idea_page(cycle: Cycle, filters: IdeaFilters, *, page: int, per_page: int,
              reader: str) -> tuple[Page, dict[IdeaStatus, int]]:
    """One page of the matching ideas as cards in the `reader`'s language (a page past the end
    shows the last one) and the status counts, in two queries: the counts under the other
    filters give the total."""
    counts_statement, page_statement = _idea_page_statements(
        bool(filters.category), bool(filters.area_id), bool(filters.locale), bool(filters.status), bool(filters.q))
    values = {"cycle_id": cycle.id, "category": filters.category, "area_id": filters.area_id,
              "locale": filters.locale}
    if filters.q:  # accents and case folded alike on both databases (see pb.proposals.search)
        values["ids"] = sorted(matching_idea_ids(cycle.id, filters.q))
    counts = dict.fromkeys(IdeaStatus, 0)
    counts.update({IdeaStatus(status): n for status, n in db.session.execute(counts_statement, values)})
    total = counts[filters.status] if filters.status else sum(counts.values())
    page = clamp_page(page, total, per_page)
    values |= {"status": filters.status, "limit": per_page, "offset": (page - 1) * per_page, "reader": reader}
    rows = db.session.execute(page_statement, values) if total else ()
    items = [IdeaCard(row.id, row.status, row.category, row.locale, _shown_title(row, reader)) for row in rows]
    return Page(items, page, per_page, total), counts


@cache
def _timeline_statement() -> Select:
    """The timeline's events, built once. Events about an idea or a project carry its cycle
    (pb.audit), so the indexed cycle column narrows the log to one cycle before the rest."""
    event = AuditEvent
    about_idea = and_(event.object_type == "Idea", event.object_id == bindparam("idea_id"),
                      event.action.notin_(SUPPORT_EVENTS))
    about_project = and_(event.object_type == "Project", event.object_id == bindparam("project_id"),
                         event.action.in_(PROJECT_TIMELINE))
    return (select(event.seq, event.hash, event.at, event.action, event.data)
            .where(event.cycle_id == bindparam("cycle_id"), or_(about_idea, about_project)).order_by(event.seq))


def timeline(idea: Idea) -> list[Row]:
    """The idea's public history from the audit log, with its project's ballot events: rows of
    (seq, hash, at, action, data), all the timeline shows and the events' identity."""
    project_id = str(idea.project_id) if idea.project_id else None  # None matches no event
    return list(db.session.execute(_timeline_statement(), {"cycle_id": idea.cycle_id, "idea_id": str(idea.id),
                                                            "project_id": project_id}))


def merge_targets(idea: Idea) -> list[Idea]:
    """Ideas this one may be merged into: the cycle's others that were not merged themselves."""
    return list(db.session.scalars(
        select(Idea).where(Idea.cycle_id == idea.cycle_id, Idea.id != idea.id,
                           Idea.status != IdeaStatus.merged).order_by(Idea.title)))


def ideas_for_new_project(cycle: Cycle) -> list[Idea]:
    """Advanced ideas that do not feed a project yet."""
    return list(db.session.scalars(
        select(Idea).where(Idea.cycle_id == cycle.id, Idea.status == IdeaStatus.advanced,
                           Idea.project_id.is_(None)).order_by(Idea.title)))


def cycle_projects(cycle: Cycle) -> list[Project]:
    return list(db.session.scalars(select(Project).filter_by(cycle_id=cycle.id).order_by(Project.title)))


def project_translations(project: Project) -> dict[str, dict[str, str]]:
    """{locale: {"title": ..., "summary": ...}} of the project's other languages."""
    rows = db.session.scalars(select(ContentTranslation).filter_by(object_type="Project",
                                                                   object_id=project.id))
    found: dict[str, dict[str, str]] = {}
    for row in rows:
        found.setdefault(row.locale, {})[row.field] = row.text
    return found


@cache
def _cycle_statements() -> dict[str, Select]:
    cycle_id = bindparam("cycle_id")
    on_ballot = (Project.cycle_id == cycle_id, Project.status == ProjectStatus.ready)
    # The ballot as the cycle page shows it: only what a card shows, with the title's reviewed
    # translation into the reader's language joined in (at most one row: one per object, field
    # and language), as on the idea list.
    translation = ContentTranslation
    cards = (select(Project.id, Project.title, Project.locale, Project.cost_cents,
                    translation.text.label("translated"), translation.source_text.label("translated_from"))
             .outerjoin(translation, and_(translation.object_type == "Project", translation.object_id == Project.id,
                                          translation.field == "title", translation.locale == bindparam("reader"),
                                          translation.status == TranslationStatus.reviewed))
             .where(*on_ballot).order_by(Project.title))
    return {"ballot": select(Project).where(*on_ballot).order_by(Project.title),
            "ballot_cards": cards,
            "idea_total": select(func.count()).select_from(Idea).where(Idea.cycle_id == cycle_id)}


def ballot_projects(cycle: Cycle) -> list[Project]:
    """The projects on the cycle's ballot, in the ballot's (alphabetical) order."""
    return list(db.session.scalars(_cycle_statements()["ballot"], {"cycle_id": cycle.id}))


class BallotCard(NamedTuple):
    """A ballot project as the cycle page lists it: its title in the reader's language."""

    id: int
    title: Shown
    locale: str
    cost_cents: int


def ballot_cards(cycle: Cycle, locale: str) -> list[BallotCard]:
    """The projects on the cycle's ballot, in ballot_projects' order, as cards in `locale`
    (the title shown as pb.i18n.content.Localized shows it; see _shown_title), in one query."""
    rows = db.session.connection().execute(_cycle_statements()["ballot_cards"],
                                           {"cycle_id": cycle.id, "reader": locale})
    return [BallotCard(row.id, _shown_title(row, locale), row.locale, row.cost_cents) for row in rows]


def idea_total(cycle: Cycle) -> int:
    """How many ideas the cycle has, in every status."""
    return db.session.connection().execute(_cycle_statements()["idea_total"], {"cycle_id": cycle.id}).scalar_one()


def support_count(idea: Idea) -> int:
    """How many accounts support this idea."""
    return db.session.scalar(select(func.count()).select_from(IdeaSupport).where(IdeaSupport.idea_id == idea.id))


def support_counts(ideas) -> dict[int, int]:
    """Supports per idea id, for the staff review queue (ideas without any are left out)."""
    ids = [idea.id for idea in ideas]
    rows = db.session.execute(select(IdeaSupport.idea_id, func.count()).where(IdeaSupport.idea_id.in_(ids))
                              .group_by(IdeaSupport.idea_id))
    return dict(rows.all())
