"""Sign-in hardening: KDF, fresh session, cookie flags, idle timeout, back-off, TOTP."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from pb.accounts import totp
from pb.accounts.models import User
from pb.accounts.services import authenticate, check_second_factor
from pb.audit.models import AuditEvent
from pb.db import db, utcnow
from pb.enums import Role
from tests.conftest import DEFAULT_PASSWORD, csrf_from, login

WRONG = "That email and password do not match an account"


def post_login(client, email, password):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def test_passwords_are_stored_with_scrypt(make):
    """A new password is stored only as a salted scrypt hash."""
    user = make.user(Role.staff)
    assert user.password_hash.startswith("scrypt:32768:8:1$") and DEFAULT_PASSWORD not in user.password_hash


def test_older_hash_is_upgraded_at_sign_in(make):
    """An account hashed with an older KDF gets a scrypt hash at its next successful sign-in."""
    user = make.user(Role.staff)
    user.password_hash = generate_password_hash(DEFAULT_PASSWORD, method="pbkdf2:sha256:1000")
    db.session.commit()
    assert authenticate(user.email, DEFAULT_PASSWORD) is user
    assert user.password_hash.startswith("scrypt:")


def test_sign_in_starts_a_new_session(app, make):
    """Whatever the browser's session held before sign-in is gone, and each sign-in gets a new id."""
    client = app.test_client()
    with client.session_transaction() as s:
        s["planted"] = "by an attacker"
        s["locale"] = "es"
    user = make.user(Role.staff)
    login(client, user)
    with client.session_transaction() as s:
        first = dict(s)
    assert "planted" not in first and first["locale"] == "es" and first["sid"]
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/admin/").get_data(as_text=True))})
    login(client, user)
    with client.session_transaction() as s:
        assert s["sid"] != first["sid"]


def test_production_session_cookie_is_secure_httponly_samesite(database_url):
    """In production the session cookie is Secure, HttpOnly and SameSite=Lax."""
    from tests.conftest import make_app

    app = make_app(database_url, ENV="production", SECRET_KEY="s" * 40, VOTER_KEY_SECRET="v" * 40,
                   PUBLIC_BASE_URL="https://localhost")
    from pb.config import check_config

    check_config(app.config)
    with app.app_context():
        response = app.test_client().get("/login", base_url="https://localhost")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_personal_pages_are_not_cached(client, make):
    """Signed-in pages say Cache-Control: no-store (shared computers, proxies)."""
    login(client, make.user(Role.staff))
    assert client.get("/admin/").headers["Cache-Control"] == "no-store"


def test_staff_session_ends_after_idle_time(app, client, make):
    """A staff session idle longer than STAFF_IDLE_MINUTES is signed out and sent to sign in."""
    login(client, make.user(Role.staff))
    assert client.get("/admin/").status_code == 200
    with client.session_transaction() as s:
        s["seen"] = time.time() - app.config["STAFF_IDLE_MINUTES"] * 60 - 5
    response = client.get("/admin/")
    assert response.status_code == 302 and "/login" in response.location
    assert client.get("/admin/").status_code == 302  # really signed out


def test_active_staff_and_residents_stay_signed_in(app, make):
    """Activity within the limit keeps a staff session; residents have no idle limit here."""
    staff, resident = app.test_client(), app.test_client()
    login(staff, make.user(Role.staff))
    login(resident, make.user(Role.resident))
    with staff.session_transaction() as s:
        s["seen"] = time.time() - 60
    assert staff.get("/admin/").status_code == 200
    with resident.session_transaction() as s:
        s["seen"] = time.time() - 10 * 3600
    resident.get("/")
    with resident.session_transaction() as s:
        assert "_user_id" in s


def test_failed_sign_ins_lock_with_doubling_back_off(client, make):
    """Four wrong passwords are free; the fifth locks for 1 minute, the sixth for 2; audited."""
    user = make.user(Role.staff)
    for _ in range(5):
        assert WRONG in post_login(client, user.email, "wrong password").get_data(as_text=True)
    db.session.refresh(user)
    assert user.failed_logins == 5
    assert timedelta(seconds=50) < user.locked_until - utcnow() <= timedelta(minutes=1)
    # While locked, even the right password gets the same answer as a wrong one.
    assert WRONG in post_login(client, user.email, DEFAULT_PASSWORD).get_data(as_text=True)
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    post_login(client, user.email, "wrong again")
    db.session.refresh(user)
    assert timedelta(seconds=110) < user.locked_until - utcnow() <= timedelta(minutes=2)
    locks = db.session.scalars(select(AuditEvent).filter_by(action="user.locked")).all()
    assert [e.data["minutes"] for e in locks] == [1, 2]


def test_lock_expires_and_success_resets_the_count(client, make):
    """After the lock ends the right password works and the failure count starts again."""
    user = make.user(Role.staff)
    for _ in range(5):
        post_login(client, user.email, "wrong password")
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert post_login(client, user.email, DEFAULT_PASSWORD).status_code == 302
    db.session.refresh(user)
    assert (user.failed_logins, user.locked_until) == (0, None)


def test_unknown_and_locked_emails_get_the_same_answer(client, make):
    """No enumeration: an unknown email and a locked account read exactly alike."""
    user = make.user(Role.staff)
    for _ in range(6):
        post_login(client, user.email, "wrong password")
    locked = post_login(client, user.email, DEFAULT_PASSWORD)
    unknown = post_login(client, "nobody@example.org", DEFAULT_PASSWORD)
    assert locked.status_code == unknown.status_code == 200
    assert WRONG in locked.get_data(as_text=True) and WRONG in unknown.get_data(as_text=True)


def test_totp_matches_rfc_6238_vectors():
    """The TOTP code generator gives the RFC 6238 SHA-1 test values."""
    import base64

    secret = base64.b32encode(b"12345678901234567890").decode()
    for when, expected in [(59, "94287082"), (1111111109, "07081804"), (1234567890, "89005924"),
                           (2000000000, "69279037")]:
        assert totp.code_at(secret, totp.step_of(when), digits=8) == expected


def wrong_code(secret: str) -> str:
    """A code that no step near now accepts: a fixed '000000' is the real code of one step in a
    million, and three steps are accepted at any moment."""
    now = totp.step_of(time.time())
    near = {totp.code_at(secret, step) for step in range(now - 2, now + 3)}
    return next(code for code in ("000000", "111111", "222222") if code not in near)


def enable_two_step(app, client, user):
    page = client.get("/account/two-step").get_data(as_text=True)
    with client.session_transaction() as s:
        secret = s["totp_setup"]
    assert secret in page and "data:image/svg+xml" in page
    code = totp.code_at(secret, totp.step_of(time.time()))
    response = client.post("/account/two-step", data={"csrf_token": csrf_from(page), "action": "enable",
                                                      "code": code})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.totp_secret and user.totp_secret != secret  # stored masked, not as issued
    return secret


def test_two_step_sign_in_needs_a_fresh_code(app, client, make):
    """With TOTP on, the password alone does not sign in; a wrong or replayed code is refused."""
    user = make.user(Role.staff)
    login(client, user)
    secret = enable_two_step(app, client, user)
    other = app.test_client()
    response = post_login(other, user.email, DEFAULT_PASSWORD)
    assert response.status_code == 302 and "/login/code" in response.location
    assert other.get("/admin/").status_code == 302  # not signed in yet
    page = other.get("/login/code").get_data(as_text=True)
    bad = other.post("/login/code", data={"csrf_token": csrf_from(page), "code": wrong_code(secret)})
    assert bad.status_code == 400
    db.session.refresh(user)
    assert user.failed_logins == 1
    step = totp.step_of(time.time()) + 1  # next step: never accepted before
    code = totp.code_at(secret, step)
    user.totp_last_step = step - 1
    db.session.commit()
    assert other.post("/login/code", data={"csrf_token": csrf_from(page), "code": code}).status_code == 302
    assert other.get("/admin/").status_code == 200
    third = app.test_client()
    post_login(third, user.email, DEFAULT_PASSWORD)
    replay = third.post("/login/code", data={"csrf_token": csrf_from(third.get("/login/code").get_data(as_text=True)),
                                             "code": code})
    assert replay.status_code == 400


def test_second_step_expires(app, client, make):
    """A half-finished sign-in is forgotten after five minutes."""
    user = make.user(Role.staff)
    login(client, user)
    enable_two_step(app, client, user)
    other = app.test_client()
    post_login(other, user.email, DEFAULT_PASSWORD)
    with other.session_transaction() as s:
        s["second_step"]["at"] = time.time() - 301
        s.modified = True
    response = other.get("/login/code")
    assert response.status_code == 302 and response.location.endswith("/login")


def test_two_step_can_be_turned_off_and_reset(app, client, make, runner):
    """Turning TOTP off needs password and code; the CLI reset removes a lost factor (audited)."""
    user = make.user(Role.staff)
    login(client, user)
    secret = enable_two_step(app, client, user)
    page = client.get("/account/two-step").get_data(as_text=True)
    step = totp.step_of(time.time()) + 1
    user.totp_last_step = step - 1
    db.session.commit()
    wrong = client.post("/account/two-step", data={"csrf_token": csrf_from(page), "action": "disable",
                                                   "password": "nope nope nope", "code": totp.code_at(secret, step)})
    assert wrong.status_code == 400
    db.session.refresh(user)
    assert user.totp_secret
    result = runner.invoke(args=["pb", "totp-reset", "--email", user.email])
    assert result.exit_code == 0, result.output
    db.session.refresh(user)
    assert user.totp_secret is None
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("user.totp%"))).all()
    assert sorted(actions) == ["user.totp_on", "user.totp_reset"]


def test_second_factor_service_refuses_without_secret(make):
    """An account without TOTP never passes a code check."""
    assert check_second_factor(make.user(Role.staff), "123456") is False


def test_user_loader_ignores_garbage_ids(app):
    """A tampered user id in a session is anonymous, not an error."""
    from pb.accounts.views import load_user

    with app.test_request_context():
        assert load_user("abc") is None and load_user("999999") is None and load_user("9" * 30) is None
    assert db.session.scalar(select(User.id).limit(1)) is None
