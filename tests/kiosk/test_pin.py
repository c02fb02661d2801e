"""The liaison's check-in PIN: a resident left alone with a kiosk cannot check anyone in."""

import threading

import pytest
from sqlalchemy import func, select

from pb.audit.models import AuditEvent
from pb.db import db
from pb.enums import Role
from pb.kiosk.models import KioskSession
from pb.kiosk.services import PIN_TRIES, close_session, open_session
from pb.voting.models import VoterRollEntry
from tests.conftest import DEFAULT_PASSWORD, csrf_from, login
from tests.kiosk.conftest import PIN, check_in, once_from

LOCKED = "Check-in is locked because the PIN was wrong too many times"


def roll_size() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(VoterRollEntry))


def kiosk_row(kiosk_id) -> KioskSession:
    db.session.rollback()
    return db.session.get(KioskSession, kiosk_id)


def lock_events() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(AuditEvent).filter_by(action="kiosk.pin_lock"))


def test_a_wrong_pin_checks_nobody_in(kiosk_client, voting_cycle):
    """After "Done", a resident types an invented person and a guessed PIN: refused with a
    message, no roll entry, no ballot opened, nothing in the session."""
    cycle, _ = voting_cycle
    client, kiosk_id = kiosk_client
    for pin in ("0000", "9999", "", "4816 ", "48161"):
        response = check_in(client, kiosk_id, cycle, name="Made Up Person", pin=pin)
        assert response.status_code in (400, 403), pin
        assert "not right" in response.get_data(as_text=True) or not pin
    assert roll_size() == 0 and kiosk_row(kiosk_id).check_ins == 0
    with client.session_transaction() as s:
        assert "kiosk_voter" not in s
    assert client.get(f"/kiosk/{kiosk_id}/ballot").status_code == 302  # no ballot to reach
    assert check_in(client, kiosk_id, cycle).status_code == 302  # the liaison's PIN works


def test_wrong_pins_lock_check_in_until_the_kiosk_is_opened_again(app, kiosk_client, voting_cycle, liaison, site):
    """Ten wrong PINs in a shift lock check-in, even for the right PIN; the start screen says
    what to do; the lock is in the public audit log once; the liaison leaves kiosk mode with
    their password and opens the kiosk again with a new PIN."""
    cycle, _ = voting_cycle
    client, kiosk_id = kiosk_client
    for n in range(PIN_TRIES):
        check_in(client, kiosk_id, cycle, name=f"Guess {n}", pin=f"{1357 + n}")
    assert lock_events() == 1
    refused = check_in(client, kiosk_id, cycle)  # the right PIN, too late
    assert refused.status_code == 403 and LOCKED in refused.get_data(as_text=True)
    assert LOCKED in client.get(f"/kiosk/{kiosk_id}/").get_data(as_text=True)
    assert roll_size() == 0 and lock_events() == 1

    page = client.get(f"/kiosk/{kiosk_id}/exit").get_data(as_text=True)
    client.post(f"/kiosk/{kiosk_id}/exit", data={"password": DEFAULT_PASSWORD, "csrf_token": csrf_from(page)})
    page = client.get("/kiosk/").get_data(as_text=True)
    reopened = client.post("/kiosk/sessions", data={"site": str(site.id), "pin": "7316", "csrf_token": csrf_from(page)})
    new_id = int(reopened.location.rstrip("/").rsplit("/", 1)[1])
    assert new_id != kiosk_id
    assert check_in(client, new_id, cycle, pin=PIN).status_code == 403  # the old PIN is gone
    assert check_in(client, new_id, cycle, pin="7316").status_code == 302


def test_guesses_between_real_check_ins_add_up(kiosk_client, voting_cycle):
    """Someone guessing while the liaison checks people in between gets no more tries: wrong
    PINs are counted over the shift, not only in a row."""
    cycle, _ = voting_cycle
    client, kiosk_id = kiosk_client
    for n, person in enumerate(("Ana Silva", "Bao Nguyen", "Chidi Okafor")):
        for k in range(4):
            check_in(client, kiosk_id, cycle, name="Made Up", pin=f"{4826 + 10 * n + k}")
        outcome = check_in(client, kiosk_id, cycle, name=person)
        client.get(f"/kiosk/{kiosk_id}/timeout")  # the resident leaves before voting; next one
        if n < 2:
            assert outcome.status_code == 302
    assert outcome.status_code == 403 and lock_events() == 1  # 12 wrong PINs in all
    assert roll_size() == 2


def test_parallel_guesses_cannot_pass_the_limit(app, kiosk_client, voting_cycle):
    """Fourteen wrong PINs sent at the same moment: ten are counted, one lock, and the right
    PIN cannot slip in after it."""
    cycle, _ = voting_cycle
    client, kiosk_id = kiosk_client
    page = client.get(f"/kiosk/{kiosk_id}/").get_data(as_text=True)
    once, token = once_from(page), csrf_from(page)  # one page, sent 14 times with copies of its cookie
    cookie, area = client.get_cookie("session").value, cycle.areas[0].slug
    barrier, outcomes = threading.Barrier(14), []

    def guess(pin):
        device = app.test_client()
        device.set_cookie("session", cookie)
        barrier.wait()
        response = device.post(f"/kiosk/{kiosk_id}/check-in", data={
            "name": "Invented Person", "birth_date": "1990-01-01", "area": area, "attest": "y", "pin": pin, "once": once,
            "csrf_token": token})
        outcomes.append(response.status_code)

    threads = [threading.Thread(target=guess, args=(f"{6090 + n}",)) for n in range(14)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert outcomes == [403] * 14
    assert kiosk_row(kiosk_id).pin_failures == PIN_TRIES and lock_events() == 1
    assert check_in(client, kiosk_id, cycle).status_code == 403 and roll_size() == 0


@pytest.mark.parametrize("pin", ["1234", "0000", "98765", "1212", "1122", "1985", "2580", "0852", "123", "123456789", "abcd", "٣٧٢٨", "12 34", ""])
def test_a_weak_or_malformed_pin_opens_no_kiosk(app, liaison, site, pin):
    """The shift's PIN is 4 to 8 plain digits, not a run or a repeat; refused with the reason."""
    client = app.test_client()
    login(client, liaison)
    page = client.get("/kiosk/").get_data(as_text=True)
    response = client.post("/kiosk/sessions", data={"site": str(site.id), "pin": pin, "csrf_token": csrf_from(page)})
    assert response.status_code == 400
    assert "PIN" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(KioskSession)) == 0


def test_the_pin_is_kept_only_as_a_slow_hash(app, kiosk_client, voting_cycle):
    """Neither the database row, the audit log nor the device's cookie holds the PIN."""
    client, kiosk_id = kiosk_client
    row = kiosk_row(kiosk_id)
    assert row.pin_hash.startswith("scrypt:") and PIN not in row.pin_hash
    events = db.session.scalars(select(AuditEvent).filter_by(action="kiosk.open")).all()
    assert events and all(PIN not in str(e.data) for e in events)
    with client.session_transaction() as s:
        assert PIN not in str(dict(s))


def in_kiosk_mode(client, kiosk_id) -> bool:
    with client.session_transaction() as s:
        kept = s.get("kiosk") == kiosk_id
    dashboard = client.get("/kiosk/")
    return kept and dashboard.status_code == 302 and dashboard.location.endswith(f"/kiosk/{kiosk_id}/")


def test_no_address_leaves_kiosk_mode_without_the_password(app, make, kiosk_client, voting_cycle, site):
    """Found by review: /kiosk/<another kiosk>/ used to drop kiosk mode, handing the resident
    the liaison's account (open a kiosk with their own PIN, vote again). Every kiosk page of
    another kiosk, open or closed, now leads back to this kiosk's start screen."""
    cycle, ids = voting_cycle
    client, kiosk_id = kiosk_client
    other = app.test_client()
    login(other, make.user(Role.liaison))
    opened = other.post("/kiosk/sessions", data={"site": str(site.id), "pin": "8052",
                                                 "csrf_token": csrf_from(other.get("/kiosk/").get_data(as_text=True))})
    open_id = int(opened.location.rstrip("/").rsplit("/", 1)[1])
    yesterday = open_session(actor=make.user(Role.liaison), cycle=cycle, site=site, device_token="d", pin="8052")
    close_session(actor=None, kiosk=yesterday)
    db.session.commit()
    closed_id = yesterday.id
    for other_id in (open_id, closed_id, 999_999):
        for path in ("/", "/timeout", "/ballot", "/review", f"/projects/{ids[0]}", "/thanks", "/exit", "/survey"):
            client.get(f"/kiosk/{other_id}{path}")
            assert in_kiosk_mode(client, kiosk_id), (other_id, path)
        client.post(f"/kiosk/{other_id}/exit", data={"password": DEFAULT_PASSWORD,
                                                      "csrf_token": csrf_from(client.get(f"/kiosk/{kiosk_id}/").get_data(as_text=True))})
        assert in_kiosk_mode(client, kiosk_id), other_id
    assert check_in(client, kiosk_id, cycle).status_code == 302  # the kiosk itself still works


def test_a_kiosk_staff_closed_stays_locked_until_the_liaison_leaves(kiosk_client, voting_cycle, make):
    """Staff close a kiosk its liaison left open: the device keeps showing the kiosk, checks
    nobody in and casts nothing, until the liaison leaves kiosk mode with their password."""
    from pb.kiosk.services import close_abandoned_kiosk

    cycle, ids = voting_cycle
    client, kiosk_id = kiosk_client
    assert check_in(client, kiosk_id, cycle, name="Ana Silva").status_code == 302  # mid-ballot
    client.get(f"/kiosk/{kiosk_id}/timeout")
    waiting = _stored_form(client, kiosk_id, cycle, name="Bao Nguyen")  # the next check-in, typed in
    close_abandoned_kiosk(actor=make.user(Role.staff), kiosk=db.session.get(KioskSession, kiosk_id),
                          reason="left open overnight")
    db.session.commit()
    start = client.get(f"/kiosk/{kiosk_id}/").get_data(as_text=True)
    assert "Staff have closed this kiosk" in start and "once" not in start and "password" in start
    assert in_kiosk_mode(client, kiosk_id)
    assert client.get(f"/kiosk/{kiosk_id}/ballot").status_code == 302
    assert client.post(f"/kiosk/{kiosk_id}/check-in", data=waiting).status_code == 302  # sent back, nobody in
    assert roll_size() == 1 and in_kiosk_mode(client, kiosk_id)
    page = client.get(f"/kiosk/{kiosk_id}/exit").get_data(as_text=True)
    left = client.post(f"/kiosk/{kiosk_id}/exit", data={"password": DEFAULT_PASSWORD, "csrf_token": csrf_from(page)})
    assert left.status_code == 200 and client.get("/kiosk/").status_code == 200


def _stored_form(client, kiosk_id, cycle, **values) -> dict:
    page = client.get(f"/kiosk/{kiosk_id}/").get_data(as_text=True)
    return {"name": "Lan Tran", "birth_date": "1975-03-02", "area": cycle.areas[0].slug, "attest": "y",
            "pin": PIN, "once": once_from(page), "csrf_token": csrf_from(page)} | values


def test_a_check_in_form_from_the_browser_history_checks_nobody_in(kiosk_client, voting_cycle):
    """Found by review: a possible-match page stays in history with its POST (the PIN in it).
    After the liaison decided "different person" and that person walked away, Back and
    "resubmit" gave the next resident that person's ballot. Each check-in form is single use."""
    from pb.voting.forms import REASONS

    cycle, ids = voting_cycle
    client, kiosk_id = kiosk_client
    assert check_in(client, kiosk_id, cycle, name="Lan Tran").status_code == 302
    client.get(f"/kiosk/{kiosk_id}/timeout")
    stored = _stored_form(client, kiosk_id, cycle, name="Lan Tram")
    assert client.post(f"/kiosk/{kiosk_id}/check-in", data=stored).status_code == 409  # possible match
    decided = _stored_form(client, kiosk_id, cycle, name="Lan Tram", decision="different", reason=REASONS[0][0])
    assert client.post(f"/kiosk/{kiosk_id}/check-in", data=decided).status_code == 302
    client.get(f"/kiosk/{kiosk_id}/timeout")  # Lan Tram walked away without voting
    for body in (stored, decided):  # Back + resubmit, twice
        replay = client.post(f"/kiosk/{kiosk_id}/check-in", data=body)
        assert replay.status_code == 302 and replay.location.endswith(f"/kiosk/{kiosk_id}/"), replay.location
        assert "already used" in client.get(replay.location).get_data(as_text=True)
    with client.session_transaction() as s:
        assert "kiosk_voter" not in s
    assert client.get(f"/kiosk/{kiosk_id}/ballot").status_code == 302
