"""The liaison's check-in PIN: a resident left alone with a kiosk cannot check anyone in."""

import threading

import pytest
from sqlalchemy import func, select

from pb.audit.models import AuditEvent
from pb.db import db
from pb.kiosk.models import KioskSession
from pb.kiosk.services import PIN_TRIES
from pb.voting.models import VoterRollEntry
from tests.conftest import DEFAULT_PASSWORD, csrf_from, login
from tests.kiosk.conftest import PIN, check_in

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
    for pin in ("0000", "9999", "", "2580 ", "25801"):
        response = check_in(client, kiosk_id, cycle, name="Made Up Person", pin=pin)
        assert response.status_code in (400, 403), pin
        assert "not right" in response.get_data(as_text=True) or not pin
    assert roll_size() == 0 and kiosk_row(kiosk_id).check_ins == 0
    with client.session_transaction() as s:
        assert "kiosk_voter" not in s
    assert client.get(f"/kiosk/{kiosk_id}/ballot").status_code == 302  # no ballot to reach
    assert check_in(client, kiosk_id, cycle).status_code == 302  # the liaison's PIN works


def test_wrong_pins_in_a_row_lock_check_in_until_the_kiosk_is_opened_again(app, kiosk_client, voting_cycle, liaison, site):
    """Five wrong PINs in a row lock check-in, even for the right PIN; the start screen says what
    to do; the lock is in the public audit log once; the liaison leaves kiosk mode with their
    password and opens the kiosk again with a new PIN."""
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


def test_the_right_pin_starts_the_count_again(kiosk_client, voting_cycle):
    """A liaison's typos do not add up over a long shift: only wrong PINs in a row lock."""
    cycle, _ = voting_cycle
    client, kiosk_id = kiosk_client
    for person in ("Ana Silva", "Bao Nguyen"):
        for n in range(PIN_TRIES - 1):
            check_in(client, kiosk_id, cycle, name=person, pin=f"{4826 + n}")
        assert check_in(client, kiosk_id, cycle, name=person).status_code == 302
        client.get(f"/kiosk/{kiosk_id}/")  # the resident leaves before voting; next one
    assert lock_events() == 0 and roll_size() == 2


def test_parallel_guesses_cannot_pass_the_limit(app, kiosk_client, voting_cycle):
    """Ten wrong PINs sent at the same moment: five are counted, one lock, and the right PIN
    sent with them cannot slip in after the lock."""
    cycle, _ = voting_cycle
    client, kiosk_id = kiosk_client
    cookie, area = client.get_cookie("session").value, cycle.areas[0].slug
    tokens = [csrf_from(client.get(f"/kiosk/{kiosk_id}/").get_data(as_text=True)) for _ in range(10)]
    barrier, outcomes = threading.Barrier(10), []

    def guess(token, pin):
        device = app.test_client()
        device.set_cookie("session", cookie)
        barrier.wait()
        response = device.post(f"/kiosk/{kiosk_id}/check-in", data={
            "name": "Invented Person", "birth_date": "1990-01-01", "area": area, "attest": "y", "pin": pin, "csrf_token": token})
        outcomes.append(response.status_code)

    threads = [threading.Thread(target=guess, args=(t, f"{6090 + n}")) for n, t in enumerate(tokens)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert outcomes == [403] * 10
    assert kiosk_row(kiosk_id).pin_failures == PIN_TRIES and lock_events() == 1
    assert check_in(client, kiosk_id, cycle).status_code == 403 and roll_size() == 0


@pytest.mark.parametrize("pin", ["1234", "0000", "98765", "123", "123456789", "abcd", "٣٧٢٨", "12 34", ""])
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
