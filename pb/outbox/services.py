"""Queue mail in the caller's transaction; deliver what is due, with retries and backoff.

Delivery claims a batch of due mails in a short transaction (PostgreSQL: `FOR UPDATE SKIP
LOCKED`, so N workers on N app servers never take the same row; SQLite: the write lock taken
at BEGIN serialises the claims) and pushes each claimed mail's next attempt a lease ahead, then
talks to the SMTP server outside any transaction, then records the outcome. A worker that dies
mid-send leaves its mails to be retried when the lease runs out.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app, g, has_app_context
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from pb.db import db, utcnow, write_intent
from pb.mail import MailNotSent, send_mail
from pb.outbox.models import MailSuppression, OutboxMail
from pb.transaction import after_commit, transaction

LEASE = timedelta(minutes=5)  # how long a claimed mail is left alone by other workers
FIRST_RETRY = timedelta(minutes=1)  # then 2, 4, 8 ... minutes
LONGEST_RETRY = timedelta(hours=6)
MAX_ATTEMPTS = 12  # about two days of retries, then the mail is marked failed
IMMEDIATE_LIMIT = 10  # mails a request tries to deliver itself after its commit; the rest wait


def address_hash(address: str) -> str:
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()


def queue_mail(*, to: str, subject: str, text: str, html: str | None = None, locale: str,
               headers: dict[str, str] | None = None, key: str | None = None) -> OutboxMail | None:
    """Write one email to the outbox in the current transaction (the caller commits).

    A mail with a List-Unsubscribe header is list mail: an unsubscribed address gets none.
    `key` names the event and recipient, so a repeated event queues the mail once. Returns
    None when nothing was queued. Delivery is tried right after the commit, and by the worker.
    """
    headers = dict(headers or {})
    is_list = "List-Unsubscribe" in headers
    if is_list and is_suppressed(to):
        return None
    mail = OutboxMail(to_address=to.strip(), subject=" ".join(str(subject).split())[:300], text=text,
                      html=html, locale=locale, headers=headers, is_list=is_list, dedupe_key=key,
                      next_attempt_at=utcnow())
    if key is not None:
        if db.session.scalar(select(OutboxMail.id).where(OutboxMail.dedupe_key == key)):
            return None
        try:
            with db.session.begin_nested():  # a parallel twin of this event wins quietly
                db.session.add(mail)
        except IntegrityError:
            return None
    else:
        db.session.add(mail)
        db.session.flush()
    _deliver_after_commit(mail.id)
    return mail


class _Delivery:
    """The after-commit job of one transaction: deliver the mails it queued."""

    def __init__(self):
        self.ids: list[int] = []

    def __call__(self):
        try:
            deliver_due(utcnow(), ids=self.ids[:IMMEDIATE_LIMIT])
        except Exception as error:  # noqa: BLE001 - the change is committed; the worker retries
            current_app.logger.error("outbox: delivery after commit failed: %s", type(error).__name__)


def _deliver_after_commit(mail_id: int) -> None:
    if not has_app_context():
        return
    job = next((j for j in g.get("after_commit", []) if isinstance(j, _Delivery)), None)
    if job is None:
        job = _Delivery()
        after_commit(job)  # dropped with the transaction if it rolls back
    job.ids.append(mail_id)


@dataclass(frozen=True)
class _Claimed:
    id: int
    to: str
    subject: str
    text: str
    html: str | None
    headers: dict = field(default_factory=dict)
    attempts: int = 0


def deliver_due(now: datetime | None = None, *, ids: list[int] | None = None, batch: int = 20) -> Counter:
    """Deliver every mail due at `now` (or only `ids`); returns counts by outcome.

    Each mail is claimed by exactly one worker. A refused or unreachable server leaves the
    mail queued for a later attempt (1, 2, 4 ... minutes, at most 6 hours apart).
    """
    now = now or utcnow()
    outcomes: Counter = Counter()
    while True:
        claimed, dropped = _claim(now, batch, ids)
        outcomes["dropped"] += dropped
        if not claimed and not dropped:
            return outcomes
        for mail in claimed:
            outcomes[_send(mail, now)] += 1
        if ids is not None:
            return outcomes


@contextmanager
def _writing():
    token = write_intent.set(True)  # SQLite: take the write lock at BEGIN, even after a GET
    try:
        with transaction():
            yield
    finally:
        write_intent.reset(token)


def _claim(now: datetime, batch: int, ids: list[int] | None) -> tuple[list[_Claimed], int]:
    """Take up to `batch` due mails for this worker; drop list mail to unsubscribed addresses."""
    query = (select(OutboxMail).where(OutboxMail.status == "queued", OutboxMail.next_attempt_at <= now)
             .order_by(OutboxMail.next_attempt_at, OutboxMail.id).limit(batch)
             .with_for_update(skip_locked=True))
    if ids is not None:
        query = query.where(OutboxMail.id.in_(ids or [0]))
    claimed, dropped = [], 0
    with _writing():
        for mail in db.session.scalars(query).all():
            if mail.is_list and is_suppressed(mail.to_address):
                _close(mail, "dropped", now)
                dropped += 1
                continue
            mail.attempts += 1
            mail.next_attempt_at = now + LEASE
            claimed.append(_Claimed(mail.id, mail.to_address, mail.subject, mail.text, mail.html,
                                    dict(mail.headers or {}), mail.attempts))
    return claimed, dropped


def _send(mail: _Claimed, now: datetime) -> str:
    try:
        send_mail(to=mail.to, subject=mail.subject, body=mail.text, html=mail.html, headers=mail.headers)
    except MailNotSent:
        error = "MailNotSent"
    except (ValueError, TypeError) as bad:  # a header the email library refuses: never sendable
        with _writing():
            _close(db.session.get(OutboxMail, mail.id), "failed", now, error=type(bad).__name__)
        return "failed"
    else:
        with _writing():
            _close(db.session.get(OutboxMail, mail.id), "sent", now)
        return "sent"
    with _writing():
        row = db.session.get(OutboxMail, mail.id)
        if row.attempts >= MAX_ATTEMPTS:
            _close(row, "failed", now, error=error)
            return "failed"
        row.last_error = error
        row.next_attempt_at = now + min(FIRST_RETRY * 2 ** (row.attempts - 1), LONGEST_RETRY)
    return "retry"


def _close(mail: OutboxMail, status: str, now: datetime, *, error: str = "") -> None:
    """The mail's last state; its body (which may hold a one-time link) is blanked."""
    mail.status, mail.text, mail.html, mail.last_error = status, "", None, error
    if status == "sent":
        mail.sent_at = now


def is_suppressed(address: str) -> bool:
    return db.session.get(MailSuppression, address_hash(address)) is not None


def suppress_address(address: str) -> None:
    """Unsubscribe `address` from list mail (idempotent)."""
    suppress_hash(address_hash(address))


def suppress_hash(hashed: str) -> None:
    """Unsubscribe the address with this hash (what an unsubscribe link carries)."""
    if db.session.get(MailSuppression, hashed) is not None:
        return
    try:
        with db.session.begin_nested():  # two clicks at once: the second finds it done
            db.session.add(MailSuppression(address_hash=hashed))
    except IntegrityError:
        pass


def unsuppress_address(address: str) -> None:
    """Let `address` receive list mail again (it asked for it in its settings)."""
    db.session.execute(delete(MailSuppression).where(MailSuppression.address_hash == address_hash(address)))


def forget_address(address: str) -> int:
    """Delete every outbox row to `address` (a deleted account leaves no mail behind)."""
    return db.session.execute(delete(OutboxMail).where(OutboxMail.to_address == address.strip())).rowcount


def pending_count() -> int:
    return db.session.scalar(select(func.count()).where(OutboxMail.status == "queued"))
