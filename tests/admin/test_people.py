"""Staff manage people in the browser: invitations by email, roles, deactivation, the staff
two-step rule. Every change audited without personal data; bad input changes nothing."""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from pb.accounts import totp
from pb.accounts.models import AccountToken, User, UserSession
from pb.audit.models import AuditEvent
from pb.db import db, utcnow
from pb.enums import Role
from tests.conftest import csrf_from, login
from tests.security.conftest import stored_digest
from tests.security.test_accounts import wrong_code
from tests.voting.test_registration import smtp  # noqa: F401  (fixture)

BASE = "https://vote.example.org"
PASSWORD = "a long new password"


def token_of(client, url: str = "/admin/users") -> str:
    return csrf_from(client.get(url).get_data(as_text=True))


def staff_client(app, make):
    staff = make.user(Role.staff)
    client = app.test_client()
    login(client, staff)
    return client, staff


def invite(client, **overrides):
    data = {"email": "lena@example.org", "name": "Lena Okafor", "role": "liaison", "language": "es",
            "csrf_token": token_of(client)} | overrides
    return client.post("/admin/users/invite", data=data)


def text_of(mail) -> str:
    part = next(p for p in mail.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode()


def link_in(mail) -> str:
    body = text_of(mail)
    return re.search(re.escape(BASE) + r"(/account/invitation/\S+)", body).group(1)


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).filter_by(action=action).order_by(AuditEvent.seq)))


def signed_in(client) -> bool:
    """Whether the browser is still signed in (a staff page, not the login page)."""
    response = client.get("/admin/")
    return response.status_code == 200


def test_invitation_email_set_password_then_sign_in(app, make, smtp):  # noqa: F811
    """Staff invite by email; the emailed link (on the public address) sets a password once;
    the new liaison signs in with it; the log names no address, password or token."""
    app.config["PUBLIC_BASE_URL"] = BASE
    client, staff = staff_client(app, make)
    response = invite(client)
    assert response.status_code == 302
    [mail] = smtp.messages
    assert mail["To"] == "lena@example.org"
    assert "Lena Okafor" in text_of(mail)
    link = link_in(mail)
    invited = db.session.scalar(select(User).filter_by(email="lena@example.org"))
    assert invited.role == Role.liaison and invited.locale == "es"
    assert "Invited, no password yet" in client.get("/admin/users").get_data(as_text=True)

    browser = app.test_client()
    page = browser.get(link)
    assert page.status_code == 200 and "lena@example.org" in page.get_data(as_text=True)
    sent = browser.post(link, data={"password": PASSWORD, "confirm": PASSWORD, "csrf_token": csrf_from(
        page.get_data(as_text=True))})
    assert sent.status_code == 302 and sent.location.endswith("/login")
    login(browser, invited, password=PASSWORD)
    assert signed_in(browser)

    token = link.rsplit("/", 1)[1]
    logged = json.dumps([e.data for e in db.session.scalars(select(AuditEvent))])
    for secret in ("lena@example.org", "Lena", PASSWORD, token):
        assert secret not in logged
    [invited_event] = events("user.invite")
    assert (invited_event.actor_id, invited_event.object_id, invited_event.data) == (
        staff.id, str(invited.id), {"role": "liaison"})
    assert [e.data for e in events("user.password_set")] == [{"by": "invite"}]
    assert db.session.scalar(select(AccountToken.token_hash)) != token  # only its hash is stored


def test_used_expired_or_replaced_links_are_refused(app, make, smtp):  # noqa: F811
    """A link works once and for a limited time; sending a new one kills the old one."""
    app.config["PUBLIC_BASE_URL"] = BASE
    client, _staff = staff_client(app, make)
    invite(client)
    first = link_in(smtp.messages[0])
    invited = db.session.scalar(select(User).filter_by(email="lena@example.org"))
    client.post(f"/admin/users/{invited.id}/invitation", data={"csrf_token": token_of(client)})
    second = link_in(smtp.messages[1])
    assert [e.object_id for e in events("user.invite_resend")] == [str(invited.id)]
    browser = app.test_client()
    assert browser.get(first).status_code == 404  # replaced
    form = {"password": PASSWORD, "confirm": PASSWORD,
            "csrf_token": csrf_from(browser.get(second).get_data(as_text=True))}
    assert browser.post(second, data=form).status_code == 302
    replay = browser.post(second, data=form | {"password": "another password 2", "confirm": "another password 2"})
    assert replay.status_code == 404 and "expired or was already used" in replay.get_data(as_text=True)
    login(browser, invited, password=PASSWORD)  # the first password stands

    invite(client, email="sam@example.org", name="Sam")
    late = link_in(smtp.messages[2])
    db.session.execute(update(AccountToken).where(AccountToken.used_at.is_(None))
                       .values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    fresh = app.test_client()
    assert fresh.get(late).status_code == 404
    before = stored_digest()
    own = form | {"csrf_token": csrf_from(fresh.get("/login").get_data(as_text=True))}
    assert fresh.post(late, data=own).status_code == 404
    assert stored_digest() == before
    assert "Invitation expired" in client.get("/admin/users").get_data(as_text=True)


def test_set_password_form_explains_and_keeps_the_link(app, make, smtp):  # noqa: F811
    """A short or mistyped password is a clear error; the link still works afterwards."""
    app.config["PUBLIC_BASE_URL"] = BASE
    client, _staff = staff_client(app, make)
    invite(client)
    link = link_in(smtp.messages[0])
    browser = app.test_client()
    token = csrf_from(browser.get(link).get_data(as_text=True))
    before = stored_digest()
    short = browser.post(link, data={"password": "short", "confirm": "short", "csrf_token": token})
    assert short.status_code == 400 and "Passwords need 10 to 200 characters" in short.get_data(as_text=True)
    typo = browser.post(link, data={"password": PASSWORD, "confirm": PASSWORD + "x", "csrf_token": token})
    assert typo.status_code == 400 and "not the same" in typo.get_data(as_text=True)
    assert stored_digest() == before
    assert browser.post(link, data={"password": PASSWORD, "confirm": PASSWORD, "csrf_token": token}).status_code == 302


def test_deactivation_ends_every_session_at_once_and_blocks_sign_in(app, make):
    """A deactivated liaison's browser and a copied cookie are refused on their next request;
    their password no longer signs in; reactivation lets them back. Both are audited with the reason."""
    client, staff = staff_client(app, make)
    liaison = make.user(Role.liaison)
    browser = app.test_client()
    login(browser, liaison)
    copy = app.test_client()
    copy.set_cookie("session", browser.get_cookie("session").value)
    assert signed_in(browser) and signed_in(copy)

    url = f"/admin/users/{liaison.id}"
    response = client.post(f"{url}/deactivate", data={"reason": "Left the clinic", "csrf_token": token_of(client, url)})
    assert response.status_code == 302
    assert not signed_in(browser) and not signed_in(copy)
    assert db.session.scalar(select(func.count()).select_from(UserSession).filter_by(user_id=liaison.id)) == 0
    page = app.test_client()
    token = csrf_from(page.get("/login").get_data(as_text=True))
    refused = page.post("/login", data={"email": liaison.email, "password": "correct horse battery", "csrf_token": token})
    assert refused.status_code == 200 and "do not match an account" in refused.get_data(as_text=True)
    [event] = events("user.deactivate")
    assert (event.actor_id, event.object_id, event.data) == (staff.id, str(liaison.id), {"reason": "Left the clinic"})
    assert events("user.sessions_end")[-1].object_id == str(liaison.id)

    client.post(f"{url}/reactivate", data={"reason": "Came back", "csrf_token": token_of(client, url)})
    login(app.test_client(), liaison)
    assert events("user.reactivate")[0].data == {"reason": "Came back"}


def test_role_change_applies_at_once_and_is_audited(app, make):
    """A liaison made observer is signed out (the new role applies on their next sign-in)."""
    client, staff = staff_client(app, make)
    liaison = make.user(Role.liaison)
    browser = app.test_client()
    login(browser, liaison)
    url = f"/admin/users/{liaison.id}"
    assert client.post(f"{url}/role", data={"role": "observer", "csrf_token": token_of(client, url)}).status_code == 302
    assert not signed_in(browser)
    db.session.refresh(liaison)
    assert liaison.role == Role.observer
    assert events("user.role")[0].data == {"from": "liaison", "to": "observer"}


def test_staff_cannot_deactivate_or_demote_themselves(app, make):
    """Your own account: no role change, no deactivation, nothing stored."""
    client, staff = staff_client(app, make)
    make.user(Role.staff)
    url = f"/admin/users/{staff.id}"
    before = stored_digest()
    for action, data in (("role", {"role": "liaison"}), ("deactivate", {"reason": "Testing"})):
        response = client.post(f"{url}/{action}", data=data | {"csrf_token": token_of(client, url)})
        assert response.status_code == 400 and "Ask another staff member" in response.get_data(as_text=True)
    assert stored_digest() == before


@pytest.mark.parametrize("action", ["deactivate", "role"])
def test_two_staff_removing_each_other_at_once_leave_one(app, make, action):
    """Two staff deactivate (or demote) each other at the same moment: one succeeds, the other
    is refused cleanly, and one active staff member remains."""
    first, second = make.user(Role.staff), make.user(Role.staff)
    clients = []
    for me, other in ((first, second), (second, first)):
        client = app.test_client()
        login(client, me)
        url = f"/admin/users/{other.id}"
        data = {"reason": "Testing"} if action == "deactivate" else {"role": "liaison"}
        clients.append((client, f"{url}/{action}", data | {"csrf_token": token_of(client, url)}))
    db.session.commit()
    barrier, statuses = threading.Barrier(2), []

    def send(client, url, data):
        barrier.wait()
        statuses.append(client.post(url, data=data).status_code)

    threads = [threading.Thread(target=send, args=c) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.session.expire_all()
    active_staff = db.session.scalar(select(func.count()).select_from(User).where(
        User.role == Role.staff, User.is_active_account.is_(True)))
    assert active_staff == 1, statuses
    assert 302 in statuses and 500 not in statuses


def test_bad_input_changes_nothing(app, make):
    """Every people form refuses bad input with a clear message (400) and stores nothing."""
    client, _staff = staff_client(app, make)
    liaison = make.user(Role.liaison, email="taken@example.org")
    url = f"/admin/users/{liaison.id}"
    cases = [
        ("/admin/users/invite", {"email": "not an email", "name": "X", "role": "liaison", "language": "en"}, "valid email"),
        ("/admin/users/invite", {"email": "TAKEN@example.org", "name": "X", "role": "liaison", "language": "en"},
         "already exists"),
        ("/admin/users/invite", {"email": "a@example.org", "name": "X" * 121, "role": "liaison", "language": "en"}, ""),
        ("/admin/users/invite", {"email": "a@example.org", "name": "X", "role": "resident", "language": "en"}, ""),
        ("/admin/users/invite", {"email": "a@example.org", "name": "X", "role": "staff", "language": "xx"}, ""),
        (f"{url}/role", {"role": "bogus"}, ""),
        (f"{url}/role", {"role": "liaison"}, "already has this role"),
        (f"{url}/deactivate", {"reason": ""}, ""),
        (f"{url}/deactivate", {"reason": "x" * 301}, ""),
        (f"{url}/reactivate", {"reason": "Back"}, "already active"),
        (f"{url}/invitation", {}, "already set a password"),
        ("/admin/users/two-step", {}, "already the setting"),
    ]
    before = stored_digest()
    for post_url, data, message in cases:
        response = client.post(post_url, data=data | {"csrf_token": token_of(client)})
        assert response.status_code == 400, (post_url, data)
        assert message in response.get_data(as_text=True), (post_url, data)
    assert stored_digest() == before
    assert client.get("/admin/users/999999").status_code == 404


def test_staff_can_require_two_step_sign_in_for_staff(app, make):
    """With the rule on, staff without a second step set it up before they are signed in;
    liaisons are not affected; staff cannot turn their second step off while it is required."""
    client, _staff = staff_client(app, make)
    assert client.post("/admin/users/two-step", data={"required": "y", "csrf_token": token_of(client)}).status_code == 302
    assert events("settings.staff_totp")[0].data == {"required": True}
    other = make.user(Role.staff)
    browser = app.test_client()
    token = csrf_from(browser.get("/login").get_data(as_text=True))
    response = browser.post("/login", data={"email": other.email, "password": "correct horse battery",
                                            "csrf_token": token})
    assert response.location.endswith("/login/two-step-setup")
    assert not signed_in(browser)
    page = browser.get("/login/two-step-setup")
    assert page.status_code == 200
    with browser.session_transaction() as s:
        secret = s["totp_setup"]
    wrong = browser.post("/login/two-step-setup", data={"code": wrong_code(secret), "csrf_token": csrf_from(
        page.get_data(as_text=True))})
    assert wrong.status_code == 400 and not signed_in(browser)
    code = totp.code_at(secret, totp.step_of(time.time()))
    done = browser.post("/login/two-step-setup", data={"code": code, "csrf_token": csrf_from(
        page.get_data(as_text=True))})
    assert done.status_code == 302 and signed_in(browser)
    db.session.refresh(other)
    assert other.totp_secret

    liaison = app.test_client()
    login(liaison, make.user(Role.liaison))  # straight in: the rule is for staff
    off = browser.post("/account/two-step", data={"action": "disable", "password": "correct horse battery",
                                                  "code": code, "csrf_token": token_of(browser, "/account/two-step")})
    assert off.status_code == 400 and "cannot be turned off" in off.get_data(as_text=True)
