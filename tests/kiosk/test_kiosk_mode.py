"""Kiosk mode around the resident: a clear way back when the liaison's sign-in ends, the exit
password guarded like a sign-in, and nothing of one resident left on screen for the next."""

from datetime import timedelta

from sqlalchemy import func, select

from pb import clock
from pb.accounts.models import User
from pb.accounts.services import end_sessions
from pb.audit.models import AuditEvent
from pb.db import db
from pb.enums import Role
from pb.kiosk.models import KioskSession
from pb.kiosk.services import close_abandoned_kiosk, close_session, open_session
from tests.conftest import DEFAULT_PASSWORD, csrf_from
from tests.kiosk.conftest import check_in, kiosk_cast


def test_when_the_liaisons_sign_in_ends_the_kiosk_asks_for_it_again(app, make, kiosk_client, liaison):
    """Staff end the liaison's sessions (or they expire): the device is sent to the sign-in page
    with a message, once, instead of bouncing between the kiosk and the sign-in page for ever."""
    client, kiosk_id = kiosk_client
    end_sessions(actor=make.user(Role.staff), user=db.session.get(User, liaison.id))
    db.session.commit()
    response = client.get(f"/kiosk/{kiosk_id}/")
    assert response.status_code == 302 and "/login" in response.location
    page = client.get(response.location)
    assert page.status_code == 200 and "sign-in has ended. The liaison must sign in again" in page.get_data(as_text=True)
    with client.session_transaction() as s:
        assert not {"kiosk", "kiosk_voter", "kiosk_form"} & set(s)
    assert client.get("/kiosk/").status_code == 302  # signed out: the sign-in page, no account to reach


def test_guessing_the_exit_password_locks_the_account_like_a_sign_in(app, kiosk_client, liaison):
    """Wrong passwords on "leave kiosk mode" count towards the account's sign-in back-off, with
    its public lock event; while it is locked even the right password does not leave."""
    client, kiosk_id = kiosk_client
    for n in range(5):
        page = client.get(f"/kiosk/{kiosk_id}/exit").get_data(as_text=True)
        wrong = client.post(f"/kiosk/{kiosk_id}/exit", data={"password": f"guess number {n}", "csrf_token": csrf_from(page)})
        assert wrong.status_code == 400 and "not right" in wrong.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(User, liaison.id).locked_until is not None
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).filter_by(action="user.locked")) == 1
    page = client.get(f"/kiosk/{kiosk_id}/exit").get_data(as_text=True)
    assert client.post(f"/kiosk/{kiosk_id}/exit", data={"password": DEFAULT_PASSWORD,
                                                         "csrf_token": csrf_from(page)}).status_code == 400
    with client.session_transaction() as s:
        assert s.get("kiosk") == kiosk_id
    with clock.frozen(clock.now() + timedelta(hours=1)):  # the lock has run out
        page = client.get(f"/kiosk/{kiosk_id}/exit").get_data(as_text=True)
        assert client.post(f"/kiosk/{kiosk_id}/exit", data={"password": DEFAULT_PASSWORD,
                                                             "csrf_token": csrf_from(page)}).status_code == 200


def test_a_refused_check_in_leaves_the_screen_after_the_idle_limit(kiosk_client, voting_cycle):
    """"Already voted" names a person: that screen goes back to a clean start after the idle
    limit (with JavaScript and without), while the plain start screen stays put."""
    cycle, ids = voting_cycle
    client, kiosk_id = kiosk_client
    assert 'http-equiv="refresh"' not in client.get(f"/kiosk/{kiosk_id}/").get_data(as_text=True)
    assert check_in(client, kiosk_id, cycle, name="Lan Tran").status_code == 302
    kiosk_cast(client, kiosk_id, ids, 0)
    client.get(f"/kiosk/{kiosk_id}/")
    refused = check_in(client, kiosk_id, cycle, name="Lan Tran")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "Lan Tran" in html
    start = f"/kiosk/{kiosk_id}/"
    assert f'content="{cycle.kiosk_idle_seconds};url={start}"' in html and f'data-timeout-url="{start}"' in html
    assert "Lan Tran" not in client.get(start).get_data(as_text=True)


def test_a_pin_typed_in_the_name_box_is_not_shown_back(kiosk_client, voting_cycle):
    cycle, _ = voting_cycle
    client, kiosk_id = kiosk_client
    response = check_in(client, kiosk_id, cycle, name="4816", pin="")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Type the resident's name here." in html and "4816" not in html


def test_the_kiosk_survey_resets_when_left_and_says_so_when_too_late(kiosk_client, voting_cycle):
    """The survey screen goes back to the start after the idle limit; answering slowly but
    steadily keeps it open; an answer sent after the limit is refused with a message."""
    cycle, ids = voting_cycle
    client, kiosk_id = kiosk_client
    idle = cycle.kiosk_idle_seconds
    start = clock.now()
    with clock.frozen(start):
        check_in(client, kiosk_id, cycle)
        kiosk_cast(client, kiosk_id, ids, 0)
        page = client.get(f"/kiosk/{kiosk_id}/survey").get_data(as_text=True)
    assert f'data-timeout-url="/kiosk/{kiosk_id}/"' in page and 'http-equiv="refresh"' in page
    with clock.frozen(start + timedelta(seconds=idle - 5)):
        page = client.get(f"/kiosk/{kiosk_id}/survey").get_data(as_text=True)  # still reading
    with clock.frozen(start + timedelta(seconds=2 * idle - 10)):  # past the first limit, in use
        assert client.get(f"/kiosk/{kiosk_id}/survey").status_code == 200
    with clock.frozen(start + timedelta(seconds=3 * idle)):
        late = client.post(f"/kiosk/{kiosk_id}/survey", data={"csrf_token": csrf_from(page), "age": "65_plus"})
        assert late.status_code == 302
        assert "nobody used the screen" in client.get(late.location).get_data(as_text=True)


def test_error_pages_on_a_kiosk_keep_the_kiosk_layout(make, kiosk_client, voting_cycle):
    """A 404 on the kiosk shows no site menu (dashboard, sign out) and leads back to the kiosk;
    the survey link of a kiosk staff closed leads to its "leave kiosk mode" screen."""
    cycle, ids = voting_cycle
    client, kiosk_id = kiosk_client
    missing = client.get(f"/kiosk/{kiosk_id}/projects/999999999")
    assert missing.status_code in (302, 404)
    error = client.get("/kiosk/paper/999999999")
    assert error.status_code == 302  # outside the kiosk pages: back to the kiosk
    check_in(client, kiosk_id, cycle)
    kiosk_cast(client, kiosk_id, ids, 0)
    close_abandoned_kiosk(actor=make.user(Role.staff), kiosk=db.session.get(KioskSession, kiosk_id), reason="left open")
    db.session.commit()
    survey = client.get(f"/kiosk/{kiosk_id}/survey", follow_redirects=True)
    html = survey.get_data(as_text=True)
    assert "Staff have closed this kiosk" in html and "Sign out" not in html and "Dashboard" not in html


def test_the_survey_address_of_another_kiosk_leads_to_this_kiosks_start(make, kiosk_client, voting_cycle, site):
    """On a kiosk, the survey address of any other kiosk (open, closed, or none at all) leads
    back to this kiosk's start screen, like every other kiosk page, not to an error page."""
    cycle, _ = voting_cycle
    client, kiosk_id = kiosk_client
    other = open_session(actor=make.user(Role.liaison), cycle=cycle, site=site, device_token="d", pin="8052")
    closed = open_session(actor=make.user(Role.liaison), cycle=cycle, site=site, device_token="e", pin="8052")
    close_session(actor=None, kiosk=closed)
    db.session.commit()
    for other_id in (other.id, closed.id, 999_999):
        response = client.get(f"/kiosk/{other_id}/survey")
        assert response.status_code == 302 and response.location == f"/kiosk/{kiosk_id}/", other_id
