"""Closing voting: nothing left open is silently stranded, and staff see what blocks it."""

from sqlalchemy import select

from pb.audit.models import AuditEvent
from pb.db import db
from pb.enums import Phase, Role
from pb.kiosk.models import KioskSession
from pb.kiosk.services import add_site, open_session
from tests.conftest import csrf_from, login


def _open_kiosk(make, cycle, liaison):
    cycle.use_kiosks = True
    site = add_site(actor=liaison, cycle=cycle, name="Clinic")
    kiosk = open_session(actor=liaison, cycle=cycle, site=site, device_token="device", pin="4816")
    db.session.commit()
    return kiosk


def test_close_is_refused_while_a_kiosk_is_open(app, client, make, voting_cycle):
    """An open kiosk blocks closing; closing it with a public reason lets voting close."""
    cycle, _ids = voting_cycle
    staff, liaison = make.user(Role.staff), make.user(Role.liaison)
    kiosk = _open_kiosk(make, cycle, liaison)
    login(client, staff)
    page = client.get(f"/admin/cycles/{cycle.slug}/close").get_data(as_text=True)
    assert "Clinic" in page and "Close voting and seal" not in page
    token = csrf_from(page)
    refused = client.post(f"/admin/cycles/{cycle.slug}/advance", data={"csrf_token": token, "current": "voting"},
                          follow_redirects=True)
    assert "Close or abandon every open kiosk" in refused.get_data(as_text=True)
    assert client.get(f"/cycles/{cycle.slug}").status_code == 200
    assert db.session.get(type(cycle), cycle.id).phase == Phase.voting

    assert client.post(f"/admin/kiosks/{kiosk.id}/abandon", data={"csrf_token": token, "reason": ""}
                       ).status_code == 302
    assert db.session.get(KioskSession, kiosk.id).closed_at is None  # no reason, no change
    client.post(f"/admin/kiosks/{kiosk.id}/abandon", data={"csrf_token": token, "reason": "Liaison went home ill"})
    assert db.session.get(KioskSession, kiosk.id).closed_at is not None
    event = db.session.scalars(select(AuditEvent).filter_by(action="kiosk.abandon")).one()
    assert event.data["reason"] == "Liaison went home ill"
    page = client.get(f"/admin/cycles/{cycle.slug}/close").get_data(as_text=True)
    assert "Close voting and seal" in page
    client.post(f"/admin/cycles/{cycle.slug}/advance", data={"csrf_token": token, "current": "voting"})
    assert db.session.get(type(cycle), cycle.id).phase == Phase.tallying


def test_counting_ends_only_by_publication(app, client, make, voting_cycle):
    """The advance button cannot skip from counting to results without a signed-off count."""
    cycle, _ids = voting_cycle
    login(client, make.user(Role.staff))
    token = csrf_from(client.get("/admin/").get_data(as_text=True))
    client.post(f"/admin/cycles/{cycle.slug}/advance", data={"csrf_token": token, "current": "voting"})
    response = client.post(f"/admin/cycles/{cycle.slug}/advance", data={"csrf_token": token, "current": "tallying"},
                           follow_redirects=True)
    assert "second staff member publish" in response.get_data(as_text=True)
    assert db.session.get(type(cycle), cycle.id).phase == Phase.tallying
