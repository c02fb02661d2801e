"""The operations view while voting is open (a route on the admin blueprint): which kiosks and
paper batches are still open, at which site and with which liaison, and which kiosks look
left behind, so staff can chase them before closing. It shows no count of ballots, check-ins
or sheets: nothing here changes when a resident votes (tests/security/test_no_counts_while_voting.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import render_template
from sqlalchemy import select

from pb.accounts.access import roles
from pb.accounts.models import User
from pb.admin.views import bp
from pb.audit.models import AuditEvent
from pb.clock import now
from pb.cycles.queries import get_cycle_or_404
from pb.db import db
from pb.enums import Role
from pb.kiosk import queries as kiosk_queries
from pb.kiosk.models import KioskSession, PaperBatch, Site

# A kiosk open this long was most likely left running when its liaison went home.
LEFT_OPEN = timedelta(hours=12)


@dataclass(frozen=True)
class SiteOperations:
    site: Site
    kiosks: list[KioskSession]
    batches: list[PaperBatch]


def by_site(cycle) -> list[SiteOperations]:
    """Open kiosks and open or unreconciled paper batches, grouped by site (sites with neither
    are left out)."""
    kiosks, batches = kiosk_queries.open_kiosk_sessions(cycle), kiosk_queries.open_or_unreconciled_batches(cycle)
    sites = db.session.scalars(select(Site).filter_by(cycle_id=cycle.id).order_by(Site.name))
    groups = [SiteOperations(site, [k for k in kiosks if k.site_id == site.id],
                             [b for b in batches if b.site_id == site.id]) for site in sites]
    return [g for g in groups if g.kiosks or g.batches]


def set_aside_kiosks(cycle) -> list[AuditEvent]:
    """Kiosks staff closed because their liaison left them open, with the public reason."""
    return list(db.session.scalars(select(AuditEvent).filter_by(cycle_id=cycle.id, action="kiosk.abandon")
                                   .order_by(AuditEvent.seq.desc())))


def left_open(kiosk: KioskSession, at: datetime) -> bool:
    return at - kiosk.opened_at > LEFT_OPEN


@bp.get("/cycles/<slug>/operations")
@roles(Role.staff)
def operations(slug: str):
    cycle = get_cycle_or_404(slug, include_draft=True)
    groups = by_site(cycle)
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(
        {k.liaison_id for g in groups for k in g.kiosks} | {b.opened_by_id for g in groups for b in g.batches})))}
    set_aside = set_aside_kiosks(cycle)
    sites = {s.id: s.name for s in db.session.scalars(select(Site).filter_by(cycle_id=cycle.id))}
    return render_template("admin/operations.html", cycle=cycle, groups=groups, people=people, sites=sites,
                           set_aside=set_aside, left_open=lambda k: left_open(k, now()))
