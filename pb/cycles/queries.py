"""Reads for cycle pages."""

from __future__ import annotations

from flask import abort, g
from sqlalchemy import select

from pb.cycles.models import Cycle
from pb.db import db
from pb.enums import Phase


def get_cycle_or_404(slug: str, *, include_draft: bool = False) -> Cycle:
    # g.staff_preview: set only by the staff-only preview route (pb.admin.cycle_views), which
    # renders the public page itself so a draft looks exactly as residents will see it.
    include_draft = include_draft or g.get("staff_preview") == slug
    cycle = db.session.scalars(select(Cycle).filter_by(slug=slug)).first()
    if cycle is None or (cycle.phase == Phase.draft and not include_draft):
        abort(404)
    return cycle


def public_cycles() -> list[Cycle]:
    return list(db.session.scalars(
        select(Cycle).where(Cycle.phase != Phase.draft).order_by(Cycle.created_at.desc())))


def lock_cycle(cycle: Cycle, *, exclusive: bool) -> Cycle:
    """Take the cycle's row lock for this transaction and reload it.

    Every cast takes it shared and closing voting takes it exclusive, so a ballot is either
    in the box the seal reads or sees the closed phase. On SQLite the write lock that
    `BEGIN IMMEDIATE` takes (pb.db) already serialises writers; FOR UPDATE is not rendered.
    """
    # Fetching the row is what refreshes `cycle` (populate_existing), so a cast that waited
    # for the seal sees the closed phase rather than the one it loaded before the wait.
    return db.session.scalars(select(Cycle).where(Cycle.id == cycle.id)
                              .with_for_update(read=not exclusive)
                              .execution_options(populate_existing=True)).one()
