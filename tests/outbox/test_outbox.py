"""The mail outbox: queued with the change, delivered once by any number of workers, retried
through an outage, never sent for a rolled-back change or to an unsubscribed address."""

from __future__ import annotations

import socket
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pb.db import db, utcnow
from pb.errors import DomainError
from pb.outbox.models import OutboxMail
from pb.outbox.services import deliver_due, queue_mail, suppress_address
from pb.transaction import transaction
from tests.voting.test_registration import smtp  # noqa: F401  (fixture)

LIST = {"List-Unsubscribe": "<https://example.org/u/x>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def queued() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMail).where(OutboxMail.status == "queued"))


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def queue(n: int, **kw) -> None:
    with transaction():
        for i in range(n):
            queue_mail(to=kw.get("to", f"r{i}@example.org"), subject=f"Mail {i}", text=f"Body {i}",
                       locale="en", headers=kw.get("headers"))


def test_a_rolled_back_change_queues_and_sends_nothing(app, smtp):  # noqa: F811
    """Mail queued in a transaction that fails is gone with it, and never reaches the server."""
    with pytest.raises(DomainError), transaction():
        queue_mail(to="a@example.org", subject="Hi", text="Body", locale="en")
        raise DomainError("the change failed")
    assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == 0
    deliver_due(utcnow() + timedelta(days=1))
    assert smtp.messages == []


def test_mail_is_delivered_right_after_the_commit(app, smtp):  # noqa: F811
    """Users do not wait for the worker: a committed mail goes out at once, as text and HTML."""
    with transaction():
        queue_mail(to="a@example.org", subject="Hello", text="Plain body", html="<p>HTML body</p>", locale="es")
    [mail] = smtp.messages
    assert mail["Subject"] == "Hello" and mail.is_multipart()
    row = db.session.scalars(select(OutboxMail)).one()
    assert row.status == "sent" and row.text == "" and row.html is None  # the body is not kept


def test_server_down_then_up_delivers_everything_exactly_once(app, smtp):  # noqa: F811
    """An outage loses nothing: mails stay queued with backoff, then each is delivered once."""
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = closed_port()
    queue(5)  # the attempt right after the commit fails
    assert queued() == 5 and smtp.messages == []
    assert deliver_due(utcnow())["sent"] == 0  # not due yet: backoff
    assert deliver_due(utcnow() + timedelta(minutes=2))["retry"] == 5  # still down
    rows = db.session.scalars(select(OutboxMail)).all()
    assert {r.attempts for r in rows} == {2} and {r.last_error for r in rows} == {"MailNotSent"}
    app.config["MAIL_PORT"] = port
    assert deliver_due(utcnow() + timedelta(hours=1))["sent"] == 5
    assert deliver_due(utcnow() + timedelta(days=3))["sent"] == 0
    assert sorted(m["Subject"] for m in smtp.messages) == [f"Mail {i}" for i in range(5)]
    assert queued() == 0


def test_a_mail_that_never_goes_through_is_marked_failed(app):
    """After the last retry the mail is marked failed (not retried for ever), its body blanked."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port())
    queue(1)
    when = utcnow()
    for _ in range(20):
        when += timedelta(hours=7)
        deliver_due(when)
    row = db.session.scalars(select(OutboxMail)).one()
    assert row.status == "failed" and row.attempts == 12 and row.text == ""


def test_an_unsubscribed_address_gets_no_list_mail(app, smtp):  # noqa: F811
    """After unsubscribing, list mail to the address is not queued, and mail already queued
    is dropped at delivery; mail the person asks for (a sign-in link) still goes."""
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = closed_port()
    queue(1, to="gone@example.org", headers=LIST)  # queued before the unsubscribe
    with transaction():
        suppress_address("Gone@Example.org ")
    queue(1, to="gone@example.org", headers=LIST)
    assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == 1
    queue(1, to="gone@example.org")  # not list mail
    app.config["MAIL_PORT"] = port
    outcome = deliver_due(utcnow() + timedelta(hours=1))
    assert (outcome["dropped"], outcome["sent"]) == (1, 1)
    [mail] = smtp.messages
    assert "List-Unsubscribe" not in mail


def test_list_mail_carries_one_click_unsubscribe_headers(app, smtp):  # noqa: F811
    """RFC 8058: the List-Unsubscribe and List-Unsubscribe-Post headers reach the mail app."""
    queue(1, headers=LIST)
    [mail] = smtp.messages
    assert mail["List-Unsubscribe"] == LIST["List-Unsubscribe"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_same_event_queues_its_mail_once(app, smtp):  # noqa: F811
    """A dedupe key (event and person) keeps a repeated event from mailing twice."""
    for _ in range(2):
        with transaction():
            queue_mail(to="a@example.org", subject="Once", text="x", locale="en", key="ballot:1:7")
    assert len(smtp.messages) == 1


def test_two_workers_at_once_deliver_each_mail_once(app, smtp):  # noqa: F811
    """Two workers started together (N app servers on one database) never send a mail twice."""
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = closed_port()
    queue(30)
    app.config["MAIL_PORT"] = port
    db.session.commit()
    barrier, results = threading.Barrier(2), []
    when = utcnow() + timedelta(hours=1)

    def worker():
        with app.app_context():
            barrier.wait()
            results.append(deliver_due(when, batch=5))
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    subjects = [m["Subject"] for m in smtp.messages]
    assert sorted(subjects) == sorted(f"Mail {i}" for i in range(30))  # each exactly once
    assert sum(r["sent"] for r in results) == 30


def test_cli_sends_due_mail(app, runner, smtp):  # noqa: F811
    """`flask pb mail send` delivers what is due and says how much is left."""
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = closed_port()
    queue(2)
    app.config["MAIL_PORT"] = port
    db.session.execute(OutboxMail.__table__.update().values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    result = runner.invoke(args=["pb", "mail", "send"])
    assert result.exit_code == 0, result.output
    assert "2 sent" in result.output and "0 queued" in result.output
    assert len(smtp.messages) == 2


def test_cli_reports_a_mail_server_that_is_down(app, runner, smtp):  # noqa: F811
    """With the mail server down, `flask pb mail send` says so and exits 1, so cron reports the
    outage; the mail stays queued and goes out on the next run once the server is back."""
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = closed_port()
    queue(2)  # the first attempt, right after the commit, fails too
    db.session.execute(OutboxMail.__table__.update().values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    down = runner.invoke(args=["pb", "mail", "send"])
    assert down.exit_code == 1 and "could not be delivered" in down.output
    assert "0 sent, 2 to retry" in down.output and smtp.messages == []
    app.config["MAIL_PORT"] = port
    db.session.execute(OutboxMail.__table__.update().values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    up = runner.invoke(args=["pb", "mail", "send"])
    assert up.exit_code == 0, up.output
    assert "2 sent" in up.output and len(smtp.messages) == 2
