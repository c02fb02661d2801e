"""Self-registration: attested eligibility, dedup key, email verification through real SMTP."""

import re
import socket
from datetime import timedelta
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from pb.db import db, utcnow
from pb.outbox.services import deliver_due
from pb.voting.models import VoterRollEntry
from tests.conftest import csrf_from
from tests.voting.conftest import open_voting_link


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp(app):
    """A real SMTP server on 127.0.0.1; the app is configured to send through it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield inbox
    controller.stop()


def register(client, cycle, **overrides):
    token = csrf_from(client.get(f"/cycles/{cycle.slug}/vote").get_data(as_text=True))
    data = {"name": "Amina Yusuf", "birth_date": "1990-05-01", "area": cycle.areas[0].slug,
            "email": "amina@example.org", "attest": "y", "csrf_token": token} | overrides
    return client.post(f"/cycles/{cycle.slug}/vote/register", data=data)


def roll_size() -> int:
    return db.session.scalar(select(func.count()).select_from(VoterRollEntry))


def test_register_verify_and_reach_the_ballot(client, voting_cycle, smtp):
    """The emailed link verifies the registration and opens the ballot."""
    cycle, _ = voting_cycle
    response = register(client, cycle)
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    [mail] = smtp.messages
    assert mail["To"] == "amina@example.org"
    link = link_in(mail)
    assert 'lang="en"' in text_part(mail, "html") and link in text_part(mail, "html")
    fresh = client.application.test_client()  # the link works from another device too
    opened = open_voting_link(fresh, link)
    assert opened.status_code == 302 and opened.location.endswith("/ballot")
    assert "Your ballot" in fresh.get(opened.location).get_data(as_text=True)
    assert db.session.scalar(select(VoterRollEntry.email_verified)) is True


def text_part(mail, subtype: str = "plain") -> str:
    """The text of the mail's text/<subtype> part (a mail has a plain and an HTML part)."""
    return next(p for p in mail.walk() if p.get_content_type() == f"text/{subtype}").get_payload(decode=True).decode()


def link_in(mail) -> str:
    return re.search(r"http://localhost(/\S+)", text_part(mail)).group(1)


def test_registering_again_before_verifying_resends_to_the_corrected_address(client, voting_cycle, smtp):
    """Same person (any case or spacing) before the link is used: one entry, a new link to the
    new address, and the old link no longer works."""
    cycle, _ = voting_cycle
    register(client, cycle, email="amina@exmaple.org")
    again = register(client, cycle, name="  amina   YUSUF ", email="amina@example.org")
    assert again.status_code == 200 and roll_size() == 1
    old, new = smtp.messages
    assert new["To"] == "amina@example.org"
    assert open_voting_link(client.application.test_client(), link_in(old)).location.endswith("/vote")
    assert open_voting_link(client.application.test_client(), link_in(new)).location.endswith("/ballot")


def test_second_registration_after_verifying_is_refused(client, voting_cycle, smtp):
    """Once the link was used, registering the same person again is a clear refusal."""
    cycle, _ = voting_cycle
    register(client, cycle)
    open_voting_link(client.application.test_client(), link_in(smtp.messages[0]))
    again = register(client, cycle, name="Yusuf, Amina", email="other@example.org")
    assert again.status_code == 400 and "already registered" in again.get_data(as_text=True)
    assert roll_size() == 1 and len(smtp.messages) == 1


def test_verification_link_is_single_use(client, voting_cycle, smtp):
    """The emailed link opens the ballot once; a second use (another device) is refused."""
    cycle, _ = voting_cycle
    register(client, cycle)
    link = link_in(smtp.messages[0])
    assert open_voting_link(client.application.test_client(), link).location.endswith("/ballot")
    assert open_voting_link(client.application.test_client(), link).location.endswith("/vote")


def test_a_mail_scanner_opening_the_link_uses_nothing(client, voting_cycle, smtp):
    """Mail security scanners open links before the person does: opening only shows a button
    (no ballot, nothing spent), and the voter's own press still opens the ballot."""
    cycle, _ = voting_cycle
    register(client, cycle)
    link = link_in(smtp.messages[0])
    for _ in range(3):
        scanner = client.application.test_client()
        page = scanner.get(link)
        assert page.status_code == 200 and "Open my ballot" in page.get_data(as_text=True)
        assert scanner.get(f"/cycles/{cycle.slug}/ballot").status_code == 302  # no voting session
    assert db.session.scalar(select(VoterRollEntry.email_verified)) is False
    assert open_voting_link(client.application.test_client(), link).location.endswith("/ballot")


@pytest.mark.parametrize("overrides, message", [
    ({"attest": ""}, "confirm that you are eligible"),
    ({"birth_date": "2020-01-01"}, "at least 14 years old"),
    ({"birth_date": "not-a-date"}, "Not a valid date"),
    ({"area": "atlantis"}, "Not a valid choice"),
    ({"email": "nope"}, "valid email"),
    ({"name": ""}, "This field is required"),
    ({"name": "x" * 500}, "Field cannot be longer"),
])
def test_bad_registrations_change_nothing(client, voting_cycle, smtp, overrides, message):
    cycle, _ = voting_cycle
    response = register(client, cycle, **overrides)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert roll_size() == 0 and smtp.messages == []


def test_tampered_or_foreign_link_is_refused(client, voting_cycle, smtp):
    cycle, _ = voting_cycle
    response = client.get(f"/cycles/{cycle.slug}/vote/verify/eyJjeWNsZSI6MX0.bogus")
    assert response.status_code == 302 and response.location.endswith("/vote")
    assert client.get(f"/cycles/{cycle.slug}/ballot").status_code == 302


def test_unreachable_mail_server_keeps_the_link_queued_until_it_is_back(app, client, voting_cycle, smtp):
    """If the mail server is down, the registration is kept and its link is delivered, once,
    when the outbox worker runs after the server is back (it used to be rolled back)."""
    cycle, _ = voting_cycle
    port = app.config["MAIL_PORT"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    app.config.update(MAIL_PORT=closed_port)
    response = register(client, cycle)
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    assert roll_size() == 1 and smtp.messages == []
    app.config.update(MAIL_PORT=port)
    deliver_due(utcnow() + timedelta(hours=1))
    deliver_due(utcnow() + timedelta(hours=2))
    [mail] = smtp.messages
    assert mail["To"] == "amina@example.org" and "/vote/verify/" in text_part(mail)
