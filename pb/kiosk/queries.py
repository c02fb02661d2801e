"""Reads for liaison and staff kiosk pages."""

from __future__ import annotations

from collections import Counter

from flask import abort
from sqlalchemy import select

from pb.cycles.models import Cycle
from pb.db import db
from pb.enums import Phase
from pb.kiosk.models import KioskSession, PaperBatch, Site
from pb.voting.models import Ballot


def voting_sites() -> list[tuple[Site, Cycle]]:
    rows = db.session.execute(select(Site, Cycle).join(Cycle, Site.cycle_id == Cycle.id)
                              .where(Cycle.phase == Phase.voting, Cycle.use_kiosks.is_(True))
                              .order_by(Cycle.title, Site.name))
    return [tuple(r) for r in rows]


def site_choices() -> list[tuple[str, str]]:
    return [(str(site.id), f"{cycle.title} — {site.name}") for site, cycle in voting_sites()]


def get_or_404(model, ident: int):
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


def open_batches() -> list[PaperBatch]:
    return list(db.session.scalars(select(PaperBatch).where(PaperBatch.closed_at.is_(None),
                                                            PaperBatch.cancelled_at.is_(None))
                                   .order_by(PaperBatch.opened_at.desc())))


def open_or_unreconciled_batches(cycle: Cycle) -> list[PaperBatch]:
    """Batches whose sheets are not in the box yet and that nobody has cancelled or abandoned:
    closing voting must refuse while any remain (a batch only reconciles by closing)."""
    return list(db.session.scalars(select(PaperBatch).filter_by(cycle_id=cycle.id, closed_at=None,
                                                                cancelled_at=None)
                                   .order_by(PaperBatch.id)))


def open_kiosk_sessions(cycle: Cycle) -> list[KioskSession]:
    """Kiosks still open in this cycle: closing voting must refuse while any remain."""
    return list(db.session.scalars(select(KioskSession).filter_by(cycle_id=cycle.id, closed_at=None)
                                   .order_by(KioskSession.id)))


def my_open_sessions(liaison_id: int) -> list[KioskSession]:
    return list(db.session.scalars(select(KioskSession).filter_by(liaison_id=liaison_id, closed_at=None)))


MIN_CELL = 20  # smaller groups are not shown separately (DESIGN: no breakdown under 20 ballots)


def participation(cycle: Cycle) -> dict:
    """Ballots per channel and per site, with groups under MIN_CELL shown as 'fewer than 20'."""
    rows = db.session.execute(select(Ballot.channel, Ballot.site_id).filter_by(cycle_id=cycle.id)).all()
    sites = {s.id: s.name for s in db.session.scalars(select(Site).filter_by(cycle_id=cycle.id))}
    by_channel = Counter(str(channel) for channel, _ in rows)
    by_site = Counter(sites.get(site_id) for _, site_id in rows if site_id is not None)
    return {"total": len(rows),
            "channels": {k: (v if v >= MIN_CELL else None) for k, v in sorted(by_channel.items())},
            "sites": {k: (v if v >= MIN_CELL else None) for k, v in sorted(by_site.items())}}
