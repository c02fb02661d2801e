"""Signed-in sessions: a fresh session at sign-in, and sign-out after idle time for accounts
that can change or read more than a resident can."""

from __future__ import annotations

import secrets
import time

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from pb.accounts.models import User

IDLE_ROLES = {"staff", "liaison", "observer"}
TOUCH_SECONDS = 15  # refresh the idle clock at most this often (each refresh re-sends the cookie)


def start_session(user: User) -> None:
    """Throw away everything the browser's session held before (no fixation), keep its language."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    login_user(user)
    session["sid"] = secrets.token_urlsafe(16)  # a new session id at every sign-in
    session["role"] = str(user.role)
    session["seen"] = time.time()


def idle_timeout():
    """before_request: sign out a staff, liaison or observer session left idle too long.

    A device in kiosk mode is exempt: it is locked to the kiosk pages and leaving needs the
    liaison's password; each resident's ballot has its own idle timeout.
    """
    if session.get("role") not in IDLE_ROLES or "_user_id" not in session or session.get("kiosk"):
        return None
    now, seen = time.time(), session.get("seen")
    minutes = current_app.config["STAFF_IDLE_MINUTES"]
    if isinstance(seen, int | float) and now - seen > minutes * 60:
        logout_user()
        locale = session.get("locale")
        session.clear()
        if locale:
            session["locale"] = locale
        flash(_("You were signed out after %(minutes)d minutes without activity. Please sign in again.",
                minutes=minutes), "info")
        target = request.full_path if request.method == "GET" else None
        return redirect(url_for("accounts.login", next=target))
    if not isinstance(seen, int | float) or now - seen > TOUCH_SECONDS:
        session["seen"] = now
    return None
