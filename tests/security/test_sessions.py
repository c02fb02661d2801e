"""Server-side sessions: sign-out, idle timeout and end_sessions stop every copy of a cookie."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from pb.accounts.models import UserSession
from pb.accounts.services import end_sessions
from pb.audit.models import AuditEvent
from pb.db import db
from pb.enums import Role
from pb.transaction import transaction
from tests.conftest import csrf_from, login


def copy_of(app, client):
    """A second browser holding an exact copy of `client`'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def signed_out(response) -> bool:
    return response.status_code == 302 and "/login" in response.location


def test_copied_cookie_is_refused_right_after_sign_out(app, client, make):
    """Signing out ends the session on the server: a copy of the cookie is refused at once."""
    login(client, make.user(Role.staff))
    thief = copy_of(app, client)
    assert thief.get("/admin/").status_code == 200  # the copy works while the session lives
    token = csrf_from(client.get("/admin/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert signed_out(thief.get("/admin/"))
    assert signed_out(client.get("/admin/"))


def test_copied_cookie_is_refused_after_the_idle_limit(app, client, make):
    """Once the owner's session is found idle, a copy kept busy in between is refused too."""
    login(client, make.user(Role.staff))
    thief = copy_of(app, client)
    with client.session_transaction() as s:
        s["seen"] = time.time() - app.config["STAFF_IDLE_MINUTES"] * 60 - 5
    assert thief.get("/admin/").status_code == 200  # the thief's copy is still fresh ...
    assert signed_out(client.get("/admin/"))  # ... until the idle owner's next request ends it
    assert signed_out(thief.get("/admin/"))


def test_idle_copy_alone_is_refused(app, client, make):
    """A copy used after the idle limit is refused by its own clock and its row is deleted."""
    login(client, make.user(Role.liaison))
    thief = copy_of(app, client)
    with thief.session_transaction() as s:
        s["seen"] = time.time() - app.config["STAFF_IDLE_MINUTES"] * 60 - 5
    assert signed_out(thief.get("/admin/"))
    assert db.session.scalar(select(func.count()).select_from(UserSession)) == 0
    assert signed_out(client.get("/admin/"))


def test_end_sessions_signs_a_user_out_everywhere(app, make):
    """end_sessions ends every browser of that user (audited) and leaves other users alone."""
    staff, other = make.user(Role.staff), make.user(Role.staff)
    phone, laptop, colleague = app.test_client(), app.test_client(), app.test_client()
    login(phone, staff)
    login(laptop, staff)
    login(colleague, other)
    with transaction():
        assert end_sessions(actor=other, user=staff) == 2
    assert signed_out(phone.get("/admin/")) and signed_out(laptop.get("/admin/"))
    assert colleague.get("/admin/").status_code == 200
    last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert (last.action, last.actor_id, last.object_id) == ("user.sessions_end", other.id, str(staff.id))


def test_sign_out_ends_only_this_browser(app, make):
    """Signing out on one device leaves the same account's other device (a second kiosk) signed in."""
    liaison = make.user(Role.liaison)
    first, second = app.test_client(), app.test_client()
    login(first, liaison)
    login(second, liaison)
    token = csrf_from(first.get("/admin/").get_data(as_text=True))
    first.post("/logout", data={"csrf_token": token})
    assert second.get("/admin/").status_code == 200


def test_session_table_stores_no_usable_cookie_value(app, client, make):
    """The table holds only a hash of the session id, never the id the cookie carries."""
    login(client, make.user(Role.staff))
    with client.session_transaction() as s:
        sid = s["sid"]
    [stored] = db.session.scalars(select(UserSession.sid_hash))
    assert sid not in stored and len(stored) == 64


def test_a_copied_cookie_in_another_browser_is_refused(app, client, make):
    """The session remembers its browser (a hash of the User-Agent): the same cookie sent by a
    different browser is not signed in."""
    login(client, make.user(Role.staff))
    thief = copy_of(app, client)
    assert thief.get("/admin/").status_code == 200  # the same browser string: still the session
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    assert signed_out(other.get("/admin/", headers={"User-Agent": "Mozilla/5.0 (another browser)"}))
    assert client.get("/admin/").status_code == 200  # the owner is unaffected


def test_pages_that_change_nothing_send_no_session_cookie(app, client, make):
    """A visitor with a language chosen: pages and errors that change nothing in the session do
    not send the cookie back, so a parallel request (the favicon, another tab) cannot overwrite
    the one that carried a new form token (which made forms say "expired" at random)."""
    cycle = make.cycle()
    client.get("/language/es")
    for url in ("/", "/favicon.ico", "/no-such-page", f"/cycles/{cycle.slug}", f"/cycles/{cycle.slug}/ideas"):
        response = client.get(url)
        assert not [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")], url
    signup = client.get("/signup")  # a form: its token is stored in the session, once
    token = csrf_from(signup.get_data(as_text=True))
    client.get("/favicon.ico")
    response = client.post("/signup", data={"email": "ana@example.org", "method": "link", "csrf_token": token})
    assert response.status_code == 200 and "expired" not in response.get_data(as_text=True)
