"""The one reminder before voting closes (issue 18): only for registrants who ticked the box,
verified their address and have not voted; in their language, once, with a fresh voting link;
and no plain address is left in the roll or the outbox once voting has closed."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import UTC, datetime
from email.header import decode_header, make_header

from flask_babel import force_locale, gettext
from sqlalchemy import select, text

from pb import clock
from pb.db import db
from pb.enums import Channel, Phase, Role
from pb.outbox.models import OutboxMail
from pb.voting.models import VoterRollEntry
from pb.voting.reminders import queue_due_reminders
from pb.voting.services import cast_ballot
from tests.conftest import csrf_from, login
from tests.voting.conftest import open_voting_link
from tests.voting.test_registration import smtp  # noqa: F401  (fixture)

CLOSES = datetime(2027, 4, 1, tzinfo=UTC)  # the test schedule's start of counting (tests/conftest.py)
REGISTERED = datetime(2027, 3, 20, 9, 0, tzinfo=UTC)
DUE = datetime(2027, 3, 30, 12, 0, tzinfo=UTC)  # 36 hours before the close: inside the 48
EARLY = datetime(2027, 3, 29, 23, 0, tzinfo=UTC)  # 49 hours before: not yet
SUBJECT = "Voting closes soon: %(cycle)s"


@contextmanager
def at(moment):
    with clock.frozen(moment):
        yield


def register(client, cycle, *, email="amina@example.org", name="Amina Yusuf", remind=True, lang=None):
    if lang:
        client.get(f"/language/{lang}")
    token = csrf_from(client.get(f"/cycles/{cycle.slug}/vote").get_data(as_text=True))
    data = {"name": name, "birth_date": "1990-05-01", "area": cycle.areas[0].slug, "email": email,
            "attest": "y", "csrf_token": token} | ({"remind": "y"} if remind else {})
    response = client.post(f"/cycles/{cycle.slug}/vote/register", data=data)
    assert response.status_code == 200, response.get_data(as_text=True)[-1500:]
    return response


def plain(mail) -> str:
    return next(p for p in mail.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()


def html(mail) -> str:
    return next(p for p in mail.walk() if p.get_content_type() == "text/html").get_payload(decode=True).decode()


def link_in(mail) -> str:
    return re.search(r"http://localhost(/\S+)", plain(mail)).group(1)


def verify(app, mail):
    """Open the emailed link on a device of its own; it must lead to the ballot."""
    response = open_voting_link(app.test_client(), link_in(mail))
    assert response.status_code == 302 and response.location.endswith("/ballot"), response.location


def reminders(smtp_server) -> list:
    """The reminder mails, in English or Spanish (their subject starts with the catalog's words)."""
    starts = set()
    for lang in ("en", "es"):
        with force_locale(lang):
            starts.add(gettext(SUBJECT, cycle="").strip())
    return [m for m in smtp_server.messages if str(make_header(decode_header(m["Subject"]))).startswith(tuple(starts))]


def raw_rows() -> list[dict]:
    """The roll as stored, not as the ORM would show it."""
    return [dict(r) for r in db.session.execute(text("SELECT * FROM voter_roll_entry")).mappings()]


def entry_for() -> VoterRollEntry:
    return db.session.scalars(select(VoterRollEntry)).one()


def test_opted_in_verified_non_voter_gets_exactly_one_reminder_in_their_language(app, client, voting_cycle, smtp):  # noqa: F811
    """Registered in Spanish with the box ticked and verified: one reminder, however often the
    worker runs, in Spanish, and the address leaves the roll when it is queued."""
    cycle, _ = voting_cycle
    with at(REGISTERED):
        register(client, cycle, lang="es")
        verify(app, smtp.messages[0])
    [row] = raw_rows()
    assert row["remind_to"] == "amina@example.org" and row["remind_locale"] == "es"
    with at(DUE):
        queue_due_reminders(clock.now())
        queue_due_reminders(clock.now())
    [mail] = reminders(smtp)
    assert mail["To"] == "amina@example.org"
    body = plain(mail)
    assert "Hola" in body and "1 de abril de 2027" in body and cycle.title in body
    assert 'lang="es"' in html(mail)
    assert db.session.scalars(select(OutboxMail.locale).where(OutboxMail.dedupe_key.startswith("vote-reminder:"))).one() == "es"
    [row] = raw_rows()
    assert row["remind_to"] is None and row["remind_locale"] is None


def test_reminder_link_opens_the_ballot_once_on_another_device(app, client, voting_cycle, smtp):  # noqa: F811
    """A verified person whose first link is spent gets a fresh one: it opens the ballot from a
    new device once, and a second use is refused."""
    cycle, _ = voting_cycle
    with at(REGISTERED):
        register(client, cycle)
        verify(app, smtp.messages[0])
    with at(DUE):
        queue_due_reminders(clock.now())
        [mail] = reminders(smtp)
        other_device = app.test_client()
        opened = open_voting_link(other_device, link_in(mail))
        assert opened.status_code == 302 and opened.location.endswith("/ballot")
        assert "Your ballot" in other_device.get(opened.location).get_data(as_text=True)
        again = open_voting_link(app.test_client(), link_in(mail))
        assert again.status_code == 302 and again.location.endswith("/vote")


def test_reminder_link_outlasts_a_later_close_and_dies_at_the_real_one(app, client, make, voting_cycle, smtp):  # noqa: F811
    """Staff extend voting by two days after the reminders went out: the link still opens the
    ballot after the old close; once voting really closes, every emailed link is dead."""
    cycle, _ = voting_cycle
    with at(REGISTERED):
        register(client, cycle)
        verify(app, smtp.messages[0])
        register(app.test_client(), cycle, email="bao@example.org", name="Bao Tran")  # never opens it
    with at(DUE):
        queue_due_reminders(clock.now())
    [mail] = reminders(smtp)
    [closing] = [d for d in cycle.schedule if d.phase == Phase.tallying]
    closing.starts_at = datetime(2027, 4, 3, tzinfo=UTC)
    db.session.commit()
    with at(datetime(2027, 4, 2, 9, 0, tzinfo=UTC)):
        opened = open_voting_link(app.test_client(), link_in(mail))
        assert opened.status_code == 302 and opened.location.endswith("/ballot")
    unopened = link_in(smtp.messages[1])
    login(client, make.user(Role.staff))
    token = csrf_from(client.get("/admin/").get_data(as_text=True))
    client.post(f"/admin/cycles/{cycle.slug}/advance", data={"csrf_token": token, "current": "voting"})
    assert db.session.get(type(cycle), cycle.id).phase == Phase.tallying
    assert [r["verify_hash"] for r in raw_rows()] == [None, None]
    late = open_voting_link(app.test_client(), unopened)
    assert late.status_code == 302 and late.location.endswith("/vote")


def test_the_mail_worker_queues_due_reminders_before_sending(app, client, runner, voting_cycle, smtp):  # noqa: F811
    """One cron entry does both: `flask pb mail send` queues the due reminder and delivers it,
    and `flask pb mail remind` run afterwards finds nothing more to send."""
    cycle, _ = voting_cycle
    with at(REGISTERED):
        register(client, cycle)
        verify(app, smtp.messages[0])
    with at(DUE):
        sent = runner.invoke(args=["pb", "mail", "send"])
        assert sent.exit_code == 0, sent.output
        assert [m["To"] for m in reminders(smtp)] == ["amina@example.org"]
        again = runner.invoke(args=["pb", "mail", "remind"])
    assert again.exit_code == 0 and len(reminders(smtp)) == 1, again.output


def test_reminder_link_after_voting_elsewhere_says_already_voted(app, client, voting_cycle, smtp):  # noqa: F811
    """Reminded, then voted at a kiosk, then opened the reminder: told so, no ballot."""
    cycle, ids = voting_cycle
    with at(REGISTERED):
        register(client, cycle)
        verify(app, smtp.messages[0])
    with at(DUE):
        queue_due_reminders(clock.now())
        entry = entry_for()
        cast_ballot(cycle=cycle, credential=f"roll:{entry.id}", ranking=[ids[0]], channel=Channel.kiosk, locale="en")
        db.session.commit()
        response = app.test_client().get(link_in(reminders(smtp)[0]))
    assert response.status_code == 409 and "You have already voted" in response.get_data(as_text=True)


def test_someone_who_voted_gets_no_reminder(app, client, voting_cycle, smtp):  # noqa: F811
    """Opted in and verified, then voted: no reminder. Casting itself did not touch the roll."""
    cycle, ids = voting_cycle
    with at(REGISTERED):
        register(client, cycle)
        verify(app, smtp.messages[0])
        entry = entry_for()
        cast_ballot(cycle=cycle, credential=f"roll:{entry.id}", ranking=[ids[0]], channel=Channel.online, locale="en")
        db.session.commit()
    assert raw_rows()[0]["remind_to"] == "amina@example.org"  # no write at cast time
    with at(DUE):
        queue_due_reminders(clock.now())
    assert reminders(smtp) == []


def test_without_the_box_ticked_no_address_is_kept_and_no_reminder_sent(app, client, voting_cycle, smtp):  # noqa: F811
    """The box starts unticked; left so, the stored row holds no address and no reminder goes."""
    cycle, _ = voting_cycle
    page = client.get(f"/cycles/{cycle.slug}/vote").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="remind"[^>]*>', page).group(0)
    assert "checked" not in box
    with at(REGISTERED):
        register(client, cycle, remind=False)
        verify(app, smtp.messages[0])
    [row] = raw_rows()
    assert row["remind_to"] is None and row["remind_locale"] is None
    assert not any("amina" in str(value) for value in row.values())
    with at(DUE):
        queue_due_reminders(clock.now())
    assert reminders(smtp) == []


def test_unverified_registration_gets_no_reminder(app, client, voting_cycle, smtp):  # noqa: F811
    """Ticked the box but never opened the first link: no reminder."""
    cycle, _ = voting_cycle
    with at(REGISTERED):
        register(client, cycle)
    with at(DUE):
        queue_due_reminders(clock.now())
    assert reminders(smtp) == []


def test_too_early_gets_none_then_one_when_due(app, client, voting_cycle, smtp):  # noqa: F811
    """More than VOTING_REMINDER_HOURS before the close nothing is queued; once inside, it is."""
    cycle, _ = voting_cycle
    with at(REGISTERED):
        register(client, cycle)
        verify(app, smtp.messages[0])
    with at(EARLY):
        queue_due_reminders(clock.now())
    assert reminders(smtp) == [] and raw_rows()[0]["remind_to"] == "amina@example.org"
    with at(DUE):
        queue_due_reminders(clock.now())
    assert len(reminders(smtp)) == 1


def test_closing_voting_leaves_no_address_in_the_roll_or_the_outbox(app, client, make, voting_cycle, smtp):  # noqa: F811
    """After the close every reminder column is NULL (reminded, voted, or registered too late to
    be reminded yet), the cycle's voting mails are gone from the outbox, and a late worker run
    sends nothing."""
    cycle, ids = voting_cycle
    with at(REGISTERED):
        for email, name in (("amina@example.org", "Amina Yusuf"), ("bao@example.org", "Bao Tran")):
            register(app.test_client(), cycle, email=email, name=name)
        for mail in list(smtp.messages):
            verify(app, mail)
    voter = db.session.scalars(select(VoterRollEntry)).first()
    cast_ballot(cycle=cycle, credential=f"roll:{voter.id}", ranking=[ids[0]], channel=Channel.online, locale="en")
    db.session.commit()
    with at(DUE):
        queue_due_reminders(clock.now())
        assert len(reminders(smtp)) == 1
        register(app.test_client(), cycle, email="cruz@example.org", name="Ana Cruz")  # after the run
        verify(app, smtp.messages[-1])
    assert sum(r["remind_to"] is not None for r in raw_rows()) == 2  # the voter's and the latecomer's
    login(client, make.user(Role.staff))
    token = csrf_from(client.get("/admin/").get_data(as_text=True))
    client.post(f"/admin/cycles/{cycle.slug}/advance", data={"csrf_token": token, "current": "voting"})
    assert db.session.get(type(cycle), cycle.id).phase == Phase.tallying
    assert [(r["remind_to"], r["remind_locale"]) for r in raw_rows()] == [(None, None)] * 3
    addresses = ["amina@example.org", "bao@example.org", "cruz@example.org"]
    assert db.session.scalars(select(OutboxMail).where(OutboxMail.to_address.in_(addresses))).all() == []
    queue_due_reminders(DUE)
    assert len(reminders(smtp)) == 1


def test_the_mail_worker_prints_no_figures_while_voting_is_open(app, client, runner, voting_cycle, smtp):  # noqa: F811
    """With the mail server down, the run that queues reminders would print how many registrants
    have not voted; while voting is open it prints no number at all."""
    cycle, _ = voting_cycle
    with at(REGISTERED):
        for n, name in enumerate(("Amina Yusuf", "Bao Tran", "Carla Ruiz")):
            register(client, cycle, email=f"person{n}@example.org", name=name)
            verify(app, smtp.messages[-1])
    app.config.update(MAIL_PORT=1)  # nothing listens there: every mail stays queued
    with at(DUE):
        run = runner.invoke(args=["pb", "mail", "send"])
    assert run.exit_code == 0 and "mail:" in run.output
    assert not re.search(r"\d", run.output), run.output
