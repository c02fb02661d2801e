"""Password reset by email for every account: the same answer for any address, a link that
works once and for an hour, and a new password that signs out every other browser."""

import re
from datetime import timedelta

from sqlalchemy import select

from pb import clock
from pb.audit.models import AuditEvent
from pb.db import db
from pb.enums import Role
from tests.conftest import csrf_from, login
from tests.voting.test_registration import smtp  # noqa: F401  (fixture)

BASE = "https://vote.example.org"


def ask(client, email):
    token = csrf_from(client.get("/login/forgot").get_data(as_text=True))
    return client.post("/login/forgot", data={"email": email, "csrf_token": token}, follow_redirects=True)


def reset_link(mail) -> str:
    part = next(p for p in mail.walk() if p.get_content_type() == "text/plain")
    return re.search(re.escape(BASE) + r"(/account/reset/\S+)", part.get_payload(decode=True).decode()).group(1)


def test_reset_answers_the_same_for_any_address_and_mails_only_real_ones(app, client, make, smtp):  # noqa: F811
    """Known and unknown addresses get the same page; only the account's owner gets mail."""
    app.config["PUBLIC_BASE_URL"] = BASE
    make.user(Role.liaison, email="amal@example.org")
    known, unknown = ask(client, "Amal@Example.org"), ask(app.test_client(), "nobody@example.org")
    strip = re.compile(r'name="csrf_token"[^>]*value="[^"]+"')
    assert strip.sub("", known.get_data(as_text=True)) == strip.sub("", unknown.get_data(as_text=True))
    assert [m["To"] for m in smtp.messages] == ["amal@example.org"]
    assert db.session.scalars(select(AuditEvent).filter_by(action="user.reset_link")).all() == []


def test_reset_link_sets_a_password_once_and_ends_other_sessions(app, client, make, smtp):  # noqa: F811
    """The link sets a new password once; the old password and an old session stop working."""
    app.config["PUBLIC_BASE_URL"] = BASE
    user = make.user(Role.staff, email="sam@example.org")
    elsewhere = app.test_client()
    login(elsewhere, user)
    ask(client, "sam@example.org")
    link = reset_link(smtp.messages[-1])
    page = client.get(link).get_data(as_text=True)
    form = {"password": "a brand new passphrase", "confirm": "a brand new passphrase", "csrf_token": csrf_from(page)}
    assert client.post(link, data=form).status_code == 302
    assert client.post(link, data=form).status_code == 404  # used up
    assert elsewhere.get("/admin/").status_code == 302  # the other browser is signed out
    fresh = app.test_client()
    login(fresh, user, password="a brand new passphrase")
    assert db.session.scalars(select(AuditEvent).filter_by(action="user.password_set")).one().data == {"by": "reset"}


def test_reset_link_expires_after_an_hour(app, client, make, smtp):  # noqa: F811
    """A link used after its hour is refused and the password is unchanged."""
    app.config["PUBLIC_BASE_URL"] = BASE
    user = make.user(Role.resident, email="kim@example.org")
    ask(client, "kim@example.org")
    link = reset_link(smtp.messages[-1])
    with clock.frozen(clock.now() + timedelta(hours=1, minutes=1)):
        assert client.get(link).status_code == 404
    before = user.password_hash
    db.session.refresh(user)
    assert user.password_hash == before


def test_bad_reset_request_changes_nothing(client, smtp):  # noqa: F811
    """An address that is not an address gets the form back with a message, and no mail."""
    token = csrf_from(client.get("/login/forgot").get_data(as_text=True))
    response = client.post("/login/forgot", data={"email": "", "csrf_token": token})
    assert response.status_code == 400 and smtp.messages == []
