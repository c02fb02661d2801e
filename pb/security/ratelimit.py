"""Rate limits whose counters live in the database, so every app server shares them.

`limit(key, max_hits, window)` counts one hit of `key` in the current fixed window and raises
`RateLimited` (HTTP 429, with Retry-After) once the window holds more than `max_hits`. Keys
name an account, a credential, a device or a session, never only an IP address: a library
kiosk or a clinic's wifi puts many honest people behind one address.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import cache

from flask import current_app, session
from sqlalchemy import bindparam, delete, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool
from werkzeug.exceptions import TooManyRequests

from pb import clock
from pb.db import db, write_intent
from pb.security.models import RateCounter

_WROTE = "pb_wrote"  # connection.info flag: this transaction has written (ORM flush or Core statement)


class RateLimited(TooManyRequests):
    """Too many hits of one key; the error page says when to try again."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after=max(1, int(retry_after)))


def limit(key: str, max_hits: int, window: int) -> int:
    """Count a hit of `key`; raise RateLimited past `max_hits` per `window` seconds."""
    if not current_app.config.get("RATE_LIMITS_ENABLED", True):
        return 0
    now = int(clock.timestamp())
    start = now - now % window
    hits = _hit(_key_hash(key, window), start, expires=start + 2 * window, now=now)
    if hits > max_hits:
        raise RateLimited(retry_after=start + window - now)
    return hits


def device_key() -> str:
    """A random token kept in this browser's session: counts one device without naming it."""
    return session.setdefault("device", secrets.token_hex(16))


def _key_hash(key: str, window: int) -> str:
    # Keyed, so someone reading the table cannot test guesses of emails or codes against it.
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"{window}\x1f{key}".encode(), hashlib.sha256).hexdigest()


@cache
def _statements(dialect: str):
    """The counter's upsert and clean-up, built once per dialect with bound values (building a
    statement costs as much as running it here)."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    upsert = (insert(RateCounter).values(key_hash=bindparam("key_hash"), window_start=bindparam("start"), hits=1,
                                         expires=bindparam("expires"))
              .on_conflict_do_update(index_elements=["key_hash", "window_start"],
                                     set_={"hits": RateCounter.hits + 1}).returning(RateCounter.hits))
    return upsert, delete(RateCounter).where(RateCounter.expires < bindparam("now"))


def _hit(key_hash: str, start: int, *, expires: int, now: int) -> int:
    """Increment atomically and return the count, in a transaction of its own when possible,
    so a refused request (which rolls back) still counts."""
    dialect = db.engine.dialect.name
    session = db.session()  # the request's Session (not the scoped proxy)
    if dialect == "sqlite" and session.in_transaction():
        if session.connection().info.get(_WROTE) or session.new or session.dirty or session.deleted:
            # The request's transaction holds SQLite's only write lock: count inside it.
            return _count(session, key_hash, start, expires, now, dialect)
        # A read-only transaction: end it, so our own connection can take the write lock.
        session.commit()
    token = write_intent.set(True)
    try:
        with db.engine.begin() as connection:
            return _count(connection, key_hash, start, expires, now, dialect)
    finally:
        write_intent.reset(token)


def _count(connection, key_hash, start, expires, now, dialect) -> int:
    upsert, expired = _statements(dialect)
    hits = connection.execute(upsert, {"key_hash": key_hash, "start": start, "expires": expires}).scalar_one()
    if hits == 1:  # a new window: drop the counters that have expired
        connection.execute(expired, {"now": now})
    return hits


# Marked per connection, for every statement that is not a read: a cast writes with Core
# statements (no ORM flush), and committing its transaction half-way would store a ballot
# whose request then failed.
@event.listens_for(Engine, "before_cursor_execute")
def _mark_written(conn, _cursor, statement, _parameters, _context, _executemany):
    if not statement.lstrip()[:6].upper().startswith(("SELECT", "BEGIN", "PRAGMA")):
        conn.info[_WROTE] = True


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _clear_written(conn):
    conn.info.pop(_WROTE, None)


@event.listens_for(Pool, "checkin")
def _clear_on_return(_dbapi_connection, record):
    if record is not None:
        record.info.pop(_WROTE, None)
