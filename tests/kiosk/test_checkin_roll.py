"""Kiosk check-in against the shared voter roll: near matches go to the liaison, who decides."""

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from pb.audit.models import AuditEvent
from pb.db import db
from pb.enums import Channel
from pb.voting.models import VoterRollEntry
from pb.voting.services import cast_ballot, register_voter
from tests.conftest import csrf_from
from tests.kiosk.conftest import check_in, once_from


def voted_online(cycle, ids, name="Lan Tran", born=date(1975, 3, 2)):
    entry = register_voter(cycle=cycle, name=name, birth_date=born, area=cycle.areas[0],
                           channel=Channel.online, today=date(2027, 1, 1))
    cast_ballot(cycle=cycle, credential=f"roll:{entry.id}", ranking=ids[:1], channel=Channel.online, locale="en")
    db.session.commit()


def roll_size() -> int:
    return db.session.scalar(select(func.count()).select_from(VoterRollEntry))


def test_possible_match_is_shown_without_the_ballot(kiosk_client, voting_cycle):
    """A birth date one day off: the liaison sees 'already voted online', and no ballot opens."""
    cycle, ids = voting_cycle
    voted_online(cycle, ids)
    client, kiosk_id = kiosk_client
    response = check_in(client, kiosk_id, cycle, birth_date="1975-03-03")
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "Possible match: already voted online" in page
    assert 'name="decision"' in page and "Project 0" not in page
    assert client.get(f"/kiosk/{kiosk_id}/ballot").status_code == 302 and roll_size() == 1


def test_different_person_decision_opens_the_ballot_and_is_audited(kiosk_client, voting_cycle):
    """'Different person' with a listed reason gives a ballot; the audit event has no name or date."""
    cycle, ids = voting_cycle
    voted_online(cycle, ids)
    client, kiosk_id = kiosk_client
    response = check_in(client, kiosk_id, cycle, birth_date="1975-03-03", decision="different", reason="family")
    assert response.status_code == 302 and "/ballot" in response.location
    event = db.session.scalar(select(AuditEvent).filter_by(action="roll.decide"))
    assert event.data == {"decision": "different", "reason": "family", "channel": "kiosk"}
    assert "Lan" not in str(event.data) and "1975" not in str(event.data) and roll_size() == 2


def test_same_person_decision_refuses_and_is_recorded(kiosk_client, voting_cycle):
    """'Same person' for someone who voted: no ballot, back to the start screen, decision kept."""
    cycle, ids = voting_cycle
    voted_online(cycle, ids)
    client, kiosk_id = kiosk_client
    response = check_in(client, kiosk_id, cycle, name="Lan Tram", decision="same", reason="same_details")
    assert response.status_code == 302 and response.location.endswith(f"/kiosk/{kiosk_id}/")
    assert "already voted" in client.get(response.location).get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent.data).filter_by(action="roll.decide"))["decision"] == "same"


def test_another_neighbourhood_is_not_another_person(kiosk_client, voting_cycle):
    """The area is an attribute, not identity: naming another area is still 'already voted'."""
    cycle, ids = voting_cycle
    voted_online(cycle, ids)
    client, kiosk_id = kiosk_client
    response = check_in(client, kiosk_id, cycle, name="TRAN, Lan.", area=cycle.areas[1].slug)
    assert response.status_code == 409 and "already voted in this cycle (online)" in response.get_data(as_text=True)


@pytest.mark.parametrize("born, message", [
    ("1899-12-31", "after 1 January 1900"),
    ("2999-01-01", "cannot be in the future"),
])
def test_implausible_birth_dates_are_refused_at_check_in(kiosk_client, voting_cycle, born, message):
    """The check-in form refuses impossible birth dates with a clear message and adds no one."""
    cycle, _ = voting_cycle
    client, kiosk_id = kiosk_client
    response = check_in(client, kiosk_id, cycle, birth_date=born)
    assert response.status_code == 400 and message in response.get_data(as_text=True) and roll_size() == 0


def test_parallel_check_in_of_one_new_person_gives_one_entry(app, kiosk_client, voting_cycle):
    """Two kiosk devices check in one new person at the same moment: one roll entry, no 500."""
    cycle, _ = voting_cycle
    client, kiosk_id = kiosk_client
    slug_area = cycle.areas[0].slug
    pages = [csrf_from(client.get(f"/kiosk/{kiosk_id}/").get_data(as_text=True)) for _ in range(3)]
    last = client.get(f"/kiosk/{kiosk_id}/").get_data(as_text=True)
    pages.append(csrf_from(last))
    barrier, outcomes = threading.Barrier(4), []
    cookie, once = client.get_cookie("session").value, once_from(last)  # one device's cookie

    def submit(token):
        device = app.test_client()
        device.set_cookie("session", cookie)
        barrier.wait()
        response = device.post(f"/kiosk/{kiosk_id}/check-in", data={
            "name": "Rosa Delgado", "birth_date": "1961-07-30", "area": slug_area, "attest": "y", "pin": "4816", "once": once,
            "csrf_token": token})
        outcomes.append(response.status_code)

    threads = [threading.Thread(target=submit, args=(t,)) for t in pages]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    db.session.rollback()
    assert len(outcomes) == 4 and 500 not in outcomes and roll_size() == 1
