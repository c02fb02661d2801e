"""The operations view during voting: open kiosks and unfinished paper batches by site and
liaison, kiosks left running and kiosks staff closed, and never a count of ballots."""

import re
from datetime import date, timedelta

from pb.clock import now
from pb.db import db
from pb.enums import Phase, Role
from pb.kiosk.paper_services import open_batch
from pb.kiosk.services import add_site, cast_at_kiosk, check_in, close_abandoned_kiosk, open_session
from tests.conftest import login, open_voting


def _mask(html: str) -> str:
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r"\1…", html)


def test_operations_lists_open_work_by_site_and_liaison_without_counts(app, make):
    """Staff see each open kiosk and batch under its site with its liaison; a kiosk open for
    over 12 hours is flagged; votes and check-ins change nothing on the page."""
    staff = make.user(Role.staff)
    cycle = make.cycle(phase=Phase.development, actor=staff)
    ids = [make.project(cycle).id for _ in range(2)]
    open_voting(cycle, actor=staff)
    cycle.use_kiosks = True
    library, clinic = (add_site(actor=staff, cycle=cycle, name=n, area=cycle.areas[0]) for n in ("Library", "Clinic"))
    ana, bo = make.user(Role.liaison, name="Ana Liaison"), make.user(Role.liaison, name="Bo Liaison")
    kiosk = open_session(actor=ana, cycle=cycle, site=library, device_token="device-1", pin="4816")
    old = open_session(actor=bo, cycle=cycle, site=clinic, device_token="device-2", pin="4816")
    old.opened_at = now() - timedelta(hours=13)
    batch = open_batch(actor=bo, cycle=cycle, site=clinic, received_on=date(2027, 1, 5), received_count=487)
    db.session.commit()
    client = app.test_client()
    login(client, staff)
    url = f"/admin/cycles/{cycle.slug}/operations"
    before = client.get(url).get_data(as_text=True)
    sections = {m[1]: m[2] for m in re.finditer(r'<h3 id="site-\d+" dir="auto">(\w+)</h3>(.*?)</section>',
                                                before, re.S)}
    assert set(sections) == {"Library", "Clinic"}
    assert f'id="kiosk-{kiosk.id}"' in sections["Library"] and "Ana Liaison" in sections["Library"]
    assert f'id="kiosk-{old.id}"' in sections["Clinic"] and f'id="batch-{batch.id}"' in sections["Clinic"]
    assert "Bo Liaison" in sections["Clinic"] and "left-open" in sections["Clinic"]
    assert "left-open" not in sections["Library"]
    # The number of sheets received is a count of ballots (487: no clock time or date holds it).
    assert not re.search(r"\b487\b", before)

    credential = check_in(actor=ana, kiosk=kiosk, name="Lan Tran", birth_date=date(1975, 3, 2),
                          area=cycle.areas[0], today=date(2027, 1, 1))
    cast_at_kiosk(kiosk=kiosk, credential=credential, ranking=ids, locale="en")
    db.session.commit()
    assert _mask(client.get(url).get_data(as_text=True)) == _mask(before)


def test_kiosks_closed_by_staff_are_listed_with_their_reason(app, make):
    """A kiosk staff closed for its liaison leaves the open list and shows with the public reason."""
    staff = make.user(Role.staff)
    cycle = make.cycle(phase=Phase.development, actor=staff)
    make.project(cycle)
    make.project(cycle)
    open_voting(cycle, actor=staff)
    cycle.use_kiosks = True
    site = add_site(actor=staff, cycle=cycle, name="Library")
    kiosk = open_session(actor=make.user(Role.liaison), cycle=cycle, site=site, device_token="device-1", pin="4816")
    close_abandoned_kiosk(actor=staff, kiosk=kiosk, reason="Liaison went home sick")
    db.session.commit()
    client = app.test_client()
    login(client, staff)
    html = client.get(f"/admin/cycles/{cycle.slug}/operations").get_data(as_text=True)
    assert 'id="nothing-open"' in html and f'id="kiosk-{kiosk.id}"' not in html
    listed = html[html.index('id="set-aside"'):]
    assert "Library" in listed and "Liaison went home sick" in listed
