"""Kiosk sessions: locked to voting screens, check-in against the shared roll, no leftovers."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pb import clock
from pb.cycles.services import update_cycle
from pb.db import db
from pb.enums import Channel, Role
from pb.errors import NotAllowed
from pb.kiosk.models import KioskSession
from pb.kiosk.paper_services import open_batch
from pb.kiosk.services import cast_at_kiosk, open_session
from pb.kiosk.services import check_in as check_in_at_kiosk
from pb.voting.models import Ballot
from tests.admin.test_cycles import edit_data, post
from tests.conftest import csrf_from, login
from tests.kiosk.conftest import check_in, kiosk_cast
from tests.voting.conftest import enter_code, ranks


def ballots() -> list[Ballot]:
    db.session.rollback()
    return list(db.session.scalars(select(Ballot)))


cast = kiosk_cast


def test_kiosk_ballot_records_channel_and_site_only(kiosk_client, voting_cycle, site):
    """A kiosk ballot carries channel and site; the thanks page shows a tracker, then resets."""
    client, kiosk_id = kiosk_client
    cycle, ids = voting_cycle
    assert check_in(client, kiosk_id, cycle).status_code == 302
    response = cast(client, kiosk_id, ids, 1, 0)
    assert response.location.endswith(f"/kiosk/{kiosk_id}/thanks")
    thanks = client.get(response.location)
    assert 'id="tracker"' in thanks.get_data(as_text=True)
    assert thanks.headers["Cache-Control"] == "no-store" and "storage" in thanks.headers["Clear-Site-Data"]
    [ballot] = ballots()
    assert (ballot.channel, ballot.site_id, ballot.ranking) == (Channel.kiosk, site.id, [ids[1], ids[0]])
    assert 'id="tracker"' in client.get(f"/kiosk/{kiosk_id}/thanks").get_data(as_text=True)  # until Done
    client.get(f"/kiosk/{kiosk_id}/")  # Done
    assert client.get(f"/kiosk/{kiosk_id}/thanks").status_code == 302  # gone for the next person


def test_kiosk_mode_locks_the_device(kiosk_client):
    """In kiosk mode every other page leads back to the kiosk start screen."""
    client, kiosk_id = kiosk_client
    for url in ("/", "/admin/", "/kiosk/", "/audit/"):
        response = client.get(url)
        assert response.status_code == 302 and response.location.endswith(f"/kiosk/{kiosk_id}/")


def test_already_voted_online_is_shown_to_the_liaison(app, kiosk_client, voting_cycle, codes, make):
    """A resident who registered and voted online is refused at check-in, with the channel named."""
    from datetime import date

    from pb.voting.services import cast_ballot, register_voter

    cycle, ids = voting_cycle
    entry = register_voter(cycle=cycle, name="Lan Tran", birth_date=date(1975, 3, 2), area=cycle.areas[0],
                           channel=Channel.online, today=date(2027, 1, 1))
    cast_ballot(cycle=cycle, credential=f"roll:{entry.id}", ranking=ids[:1], channel=Channel.online, locale="en")
    db.session.commit()
    client, kiosk_id = kiosk_client
    response = check_in(client, kiosk_id, cycle, name="LAN  TRAN")
    assert response.status_code == 409 and "already voted in this cycle (online)" in response.get_data(as_text=True)


def test_registered_but_not_voted_can_vote_at_kiosk(kiosk_client, voting_cycle):
    """The roll is shared: checking in the same person twice before they vote is fine, voting twice is not."""
    client, kiosk_id = kiosk_client
    cycle, ids = voting_cycle
    check_in(client, kiosk_id, cycle)
    client.get(f"/kiosk/{kiosk_id}/timeout")  # walked away
    assert check_in(client, kiosk_id, cycle).status_code == 302
    cast(client, kiosk_id, ids, 0)
    again = check_in(client, kiosk_id, cycle)
    assert again.status_code == 409 and "at a kiosk" in again.get_data(as_text=True)
    assert len(ballots()) == 1


def test_idle_ballot_is_discarded_on_the_server(app, kiosk_client, voting_cycle):
    """After the idle timeout the ballot page refuses the old voter even without JavaScript."""
    client, kiosk_id = kiosk_client
    cycle, ids = voting_cycle
    check_in(client, kiosk_id, cycle)
    ballot = client.get(f"/kiosk/{kiosk_id}/ballot", follow_redirects=True)
    token = csrf_from(ballot.get_data(as_text=True))
    with clock.frozen(clock.now() + timedelta(seconds=cycle.kiosk_idle_seconds + 1)):
        response = client.post(ballot.request.url, data={"csrf_token": token, "step": "review", **ranks(ids, 0)})
    assert response.status_code == 302 and response.location.endswith(f"/kiosk/{kiosk_id}/")
    assert ballots() == []


def test_leaving_kiosk_mode_needs_the_password_and_shows_no_counts(kiosk_client, voting_cycle):
    """Leaving kiosk mode needs the password; the close screen shows no count while voting is open."""
    client, kiosk_id = kiosk_client
    cycle, ids = voting_cycle
    check_in(client, kiosk_id, cycle)
    cast(client, kiosk_id, ids, 0)
    check_in(client, kiosk_id, cycle, name="Someone Else")
    client.get(f"/kiosk/{kiosk_id}/timeout")
    token = csrf_from(client.get(f"/kiosk/{kiosk_id}/exit").get_data(as_text=True))
    wrong = client.post(f"/kiosk/{kiosk_id}/exit", data={"password": "guess-guess", "csrf_token": token})
    assert wrong.status_code == 400 and client.get("/").status_code == 302  # still locked
    done = client.post(f"/kiosk/{kiosk_id}/exit", data={"password": "correct horse battery", "csrf_token": token})
    page = done.get_data(as_text=True)
    assert done.status_code == 200 and "Kiosk closed" in page
    assert 'id="check-ins"' not in page and 'id="ballots"' not in page and not re.search(r">\s*[12]\s*<", page)
    assert client.get("/").status_code == 200  # unlocked
    db.session.rollback()
    assert db.session.scalar(select(func.count()).where(KioskSession.closed_at.is_not(None))) == 1


def test_bad_check_in_changes_nothing(kiosk_client, voting_cycle):
    client, kiosk_id = kiosk_client
    cycle, _ = voting_cycle
    for overrides in ({"attest": ""}, {"birth_date": "2024-01-01"}, {"area": "mars"}, {"name": ""}):
        assert check_in(client, kiosk_id, cycle, **overrides).status_code == 400
    db.session.rollback()
    assert db.session.scalar(select(KioskSession.check_ins)) == 0


def test_another_device_cannot_drive_the_kiosk(app, kiosk_client, liaison):
    """A kiosk session answers only on the device that opened it."""
    from tests.conftest import login

    _, kiosk_id = kiosk_client
    other = app.test_client()
    login(other, liaison)
    assert other.get(f"/kiosk/{kiosk_id}/").status_code == 404


def test_online_credential_flow_is_unaffected(client, voting_cycle, codes):
    """Kiosk mode is per device: an online voter elsewhere still reaches their ballot."""
    cycle, _ = voting_cycle
    assert enter_code(client, cycle, codes[0])


def test_thanks_screen_keeps_the_tracker_until_done_or_idle(kiosk_client, voting_cycle):
    """The tracker stays on reload, with a print button and a no-JavaScript refresh to the
    start at the kiosk's idle limit; after that limit it is never shown again."""
    client, kiosk_id = kiosk_client
    cycle, ids = voting_cycle
    check_in(client, kiosk_id, cycle)
    start = clock.now()
    with clock.frozen(start):
        cast(client, kiosk_id, ids, 0)
        page = client.get(f"/kiosk/{kiosk_id}/thanks").get_data(as_text=True)
    tracker = re.search(r'id="tracker"[^>]*>([^<]+)<', page).group(1)
    refresh = re.search(r'<noscript><meta http-equiv="refresh" content="(\d+);url=([^"]+)"></noscript>', page)
    assert int(refresh.group(1)) == cycle.kiosk_idle_seconds and refresh.group(2) == f"/kiosk/{kiosk_id}/"
    assert "data-print" in page and 'id="done"' in page and "/survey" in page
    assert f'data-timeout-url="/kiosk/{kiosk_id}/" data-idle-seconds="{cycle.kiosk_idle_seconds}"' in page
    with clock.frozen(start + timedelta(seconds=cycle.kiosk_idle_seconds - 30)):
        again = client.get(f"/kiosk/{kiosk_id}/thanks").get_data(as_text=True)
    assert tracker in again and 'content="30;' in again
    with clock.frozen(start + timedelta(seconds=cycle.kiosk_idle_seconds + 1)):
        late = client.get(f"/kiosk/{kiosk_id}/thanks")
    assert late.status_code == 302 and tracker not in client.get(late.location).get_data(as_text=True)


def test_ballot_error_keeps_every_choice_at_the_kiosk(kiosk_client, voting_cycle):
    """A refused kiosk ballot (two projects at rank 1) comes back with every rank as chosen and
    the clashing fields marked."""
    client, kiosk_id = kiosk_client
    cycle, ids = voting_cycle
    check_in(client, kiosk_id, cycle)
    ballot = client.get(f"/kiosk/{kiosk_id}/ballot", follow_redirects=True)
    token = csrf_from(ballot.get_data(as_text=True))
    sent = {f"rank-{ids[0]}": "1", f"rank-{ids[1]}": "1", f"rank-{ids[2]}": "2"}
    back = client.post(ballot.request.url, data={"csrf_token": token, "step": "review", **sent}, follow_redirects=True)
    page = back.get_data(as_text=True)
    chosen = {pid: re.search(rf'<select[^>]*name="rank-{pid}"[^>]*>.*?</select>', page, re.S).group(0) for pid in ids}
    assert [re.findall(r'<option[^>]*value="(\d*)"[^>]*selected', chosen[pid]) for pid in ids] == [["1"], ["1"], ["2"], []]
    assert all('aria-invalid="true"' in chosen[pid] for pid in ids[:2]) and 'aria-invalid' not in chosen[ids[2]]


def test_no_kiosk_or_paper_batch_where_the_cycle_does_not_use_them(app, make, site, voting_cycle):
    """With kiosks turned off for the cycle its sites are not offered, a forged form opens
    nothing, and the services refuse with a clear message."""
    cycle, _ids = voting_cycle
    cycle.use_kiosks = False
    db.session.commit()
    liaison = make.user(Role.liaison)
    client = app.test_client()
    login(client, liaison)
    page = client.get("/kiosk/").get_data(as_text=True)
    assert "Eastside Library" not in page
    client.post("/kiosk/sessions", data={"site": str(site.id), "pin": "4816", "csrf_token": csrf_from(page)})
    assert db.session.scalar(select(func.count()).select_from(KioskSession)) == 0
    with pytest.raises(NotAllowed, match="does not use kiosks"):
        open_session(actor=liaison, cycle=cycle, site=site, device_token="d", pin="4816")
    with pytest.raises(NotAllowed, match="does not use kiosks"):
        open_batch(actor=liaison, cycle=cycle, site=site, received_on=clock.today(), received_count=3)


def test_kiosks_cannot_be_turned_off_while_one_is_open_nor_take_ballots_after(app, make, kiosk_client, voting_cycle):
    """Staff are told to close the open kiosk first; if kiosks go off anyway (outside the staff
    page), a check-in and a cast at the still-open kiosk are refused and store nothing."""
    cycle, ids = voting_cycle
    client, kiosk_id = kiosk_client
    staff = app.test_client()
    login(staff, make.user(Role.staff))
    response = post(staff, f"/admin/cycles/{cycle.slug}/edit", edit_data(cycle, areas=""))  # box unticked
    assert response.status_code == 400 and "before turning kiosks off" in response.get_data(as_text=True)
    db.session.refresh(cycle)
    assert cycle.use_kiosks is True
    kiosk = db.session.get(KioskSession, kiosk_id)
    credential = check_in_service(kiosk, cycle)
    update_cycle(actor=None, cycle=cycle, use_kiosks=False)
    db.session.commit()
    with pytest.raises(NotAllowed, match="does not use kiosks"):
        check_in_service(kiosk, cycle, name="Other Person")
    with pytest.raises(NotAllowed, match="does not use kiosks"):
        cast_at_kiosk(kiosk=kiosk, credential=credential, ranking=[ids[0]], locale="en")
    db.session.rollback()
    assert ballots() == []


def check_in_service(kiosk, cycle, name="Lan Tran"):
    return check_in_at_kiosk(actor=None, kiosk=kiosk, name=name, birth_date=clock.today().replace(year=1975),
                             area=cycle.areas[0], today=clock.today())
