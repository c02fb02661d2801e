"""Signed-in sessions, kept server-side so they end when they should.

The signed cookie holds a random session id; the `user_session` table holds its hash. A
session is valid only while its row exists, so signing out, an idle timeout or
`end_sessions` (pb.accounts.services) stops every copy of the cookie at once, on every app
server. Staff, liaison and observer sessions also end after idle time. A session also holds
a hash of the browser's User-Agent, so its cookie copied into another browser is refused.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from sqlalchemy import delete, select

from pb import clock
from pb.accounts.models import User, UserSession
from pb.db import db, utcnow, write_intent
from pb.transaction import transaction

IDLE_ROLES = {"staff", "liaison", "observer"}
TOUCH_SECONDS = 15  # refresh the idle clock at most this often (each refresh re-sends the cookie)
# Absolute lifetime: even a session in constant use signs in again after this long.
MAX_SESSION_AGE = timedelta(days=14)


def _sid_hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def _agent() -> str:
    return hashlib.sha256(request.headers.get("User-Agent", "").encode()).hexdigest()[:16]


def _clear_keeping_locale() -> None:
    """Empty the browser's session; only the language it chose stays."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale


def start_session(user: User) -> None:
    """Throw away everything the browser's session held before (no fixation), keep its language,
    and store the new session's row. The caller commits."""
    _clear_keeping_locale()
    login_user(user)
    sid = secrets.token_urlsafe(32)  # a new session id at every sign-in
    session["sid"] = sid
    session["agent"] = _agent()
    session["role"] = str(user.role)
    session["seen"] = clock.timestamp()
    db.session.execute(delete(UserSession).where(UserSession.created_at < utcnow() - MAX_SESSION_AGE))
    db.session.add(UserSession(sid_hash=_sid_hash(sid), user_id=user.id))


def session_user(user_id: str) -> User | None:
    """The user of this browser session if its server-side row still exists (the user loader)."""
    sid = session.get("sid")
    if not user_id.isdigit() or not isinstance(sid, str) or int(user_id) >= 2**31:
        return None
    if session.get("agent") != _agent():  # a copied cookie in another browser
        return None
    return db.session.scalar(select(User).join(UserSession, UserSession.user_id == User.id).where(
        User.id == int(user_id), UserSession.sid_hash == _sid_hash(sid), User.is_active_account.is_(True),
        UserSession.created_at >= utcnow() - MAX_SESSION_AGE))


def end_session() -> None:
    """Sign this browser out and delete its session row, so copies of the cookie stop working.

    Runs in its own transaction, also from a GET (an idle timeout noticed on a page view).
    """
    sid = session.get("sid")
    logout_user()
    _clear_keeping_locale()
    if isinstance(sid, str):
        token = write_intent.set(True)  # take SQLite's write lock at BEGIN, even in a GET
        try:
            with transaction():
                db.session.execute(delete(UserSession).where(UserSession.sid_hash == _sid_hash(sid)))
        finally:
            write_intent.reset(token)


def idle_timeout():
    """before_request: sign out a staff, liaison or observer session left idle too long.

    A device in kiosk mode is exempt: it is locked to the kiosk pages and leaving needs the
    liaison's password; each resident's ballot has its own idle timeout.
    """
    if session.get("role") not in IDLE_ROLES or "_user_id" not in session or session.get("kiosk"):
        return None
    now, seen = clock.timestamp(), session.get("seen")
    minutes = current_app.config["STAFF_IDLE_MINUTES"]
    if not isinstance(seen, int | float) or now - seen > minutes * 60:
        end_session()
        flash(_("You were signed out after %(minutes)d minutes without activity. Please sign in again.",
                minutes=minutes), "info")
        target = request.full_path if request.method == "GET" else None
        return redirect(url_for("accounts.login", next=target))
    if now - seen > TOUCH_SECONDS:
        session["seen"] = now
    return None
