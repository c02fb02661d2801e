"""Reads for cycle pages.

The public pages' statements are built once (`functools.cache`) and run with bound
parameters: SQLAlchemy then reuses their compiled form without rebuilding the statement and
its cache key on every request, which costs about as much as running the query itself.
"""

from __future__ import annotations

from collections import namedtuple
from datetime import datetime
from functools import cache

from flask import abort, g
from sqlalchemy import Select, bindparam, inspect, select
from sqlalchemy.orm.attributes import set_committed_value

from pb.cycles.models import Area, Cycle, PhaseDate
from pb.db import db
from pb.enums import Phase


@cache
def _statements() -> dict[str, Select]:
    cycle_id = bindparam("cycle_id")
    return {
        "by_slug": select(Cycle).where(Cycle.slug == bindparam("slug")),
        "public": select(Cycle).where(Cycle.phase != Phase.draft).order_by(Cycle.created_at.desc()),
        # The same rows, in the same order, as the Cycle.areas and Cycle.schedule relationships.
        "areas": select(Area).where(Area.cycle_id == cycle_id, Area.is_retired.is_(False)).order_by(Area.name),
        "schedule": select(PhaseDate).where(PhaseDate.cycle_id == cycle_id).order_by(PhaseDate.starts_at),
        # The public cycle page only reads its areas and dates: plain rows, not ORM objects.
        "area_names": select(Area.id, Area.name, Area.locale)
                      .where(Area.cycle_id == cycle_id, Area.is_retired.is_(False)).order_by(Area.name),
        "phase_starts": select(PhaseDate.phase, PhaseDate.starts_at).where(PhaseDate.cycle_id == cycle_id),
    }


def get_cycle_or_404(slug: str, *, include_draft: bool = False, load: tuple[str, ...] = ()) -> Cycle:
    """The cycle by its slug (drafts are a 404 unless asked for); `load` names relationships
    ("areas", "schedule") the page will read, fetched now by the prepared statements above
    rather than by a lazy load each."""
    # g.staff_preview: set only by the staff-only preview route (pb.admin.cycle_views), which
    # renders the public page itself so a draft looks exactly as residents will see it.
    include_draft = include_draft or g.get("staff_preview") == slug
    cycle = db.session.scalars(_statements()["by_slug"], {"slug": slug}).first()
    if cycle is None or (cycle.phase == Phase.draft and not include_draft):
        abort(404)
    unloaded = inspect(cycle).unloaded  # never replace a collection this session already holds
    for name in load:
        if name in unloaded:
            set_committed_value(cycle, name, list(db.session.scalars(_statements()[name], {"cycle_id": cycle.id})))
    return cycle


# An area as the cycle page shows it; named like the model because pb.i18n.content.Localized
# finds an object's translations by its type's name.
AreaName = namedtuple("Area", ["id", "name", "locale"])


def area_names(cycle: Cycle) -> list[AreaName]:
    """The cycle's areas in use, by name (the rows of Cycle.areas), for reading only."""
    return [AreaName(*row) for row in db.session.connection().execute(_statements()["area_names"],
                                                                      {"cycle_id": cycle.id})]


def phase_starts(cycle: Cycle) -> dict[Phase, datetime]:
    """The announced start of each phase that has one (Cycle.starts_at for every phase)."""
    return dict(db.session.connection().execute(_statements()["phase_starts"], {"cycle_id": cycle.id}).all())


def public_cycles() -> list[Cycle]:
    return list(db.session.scalars(_statements()["public"]))


def lock_cycle(cycle: Cycle, *, exclusive: bool) -> Cycle:
    """Take the cycle's row lock for this transaction and reload it.

    Every cast takes it shared and closing voting takes it exclusive, so a ballot is either
    in the box the seal reads or sees the closed phase. On SQLite the write lock that
    `BEGIN IMMEDIATE` takes (pb.db) already serialises writers; FOR UPDATE is not rendered.
    """
    # Fetching the row is what refreshes `cycle` (populate_existing), so a cast that waited
    # for the seal sees the closed phase rather than the one it loaded before the wait.
    return db.session.scalars(_lock_statement(exclusive), {"cycle_id": cycle.id}).one()


@cache
def _lock_statement(exclusive: bool) -> Select:
    return (select(Cycle).where(Cycle.id == bindparam("cycle_id")).with_for_update(read=not exclusive)
            .execution_options(populate_existing=True))
