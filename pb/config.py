"""Layered configuration: safe defaults, then `instance/config.py`, then `PB_*` variables."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import current_app, has_request_context, url_for

DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused in production by check_config


class Defaults:
    """Safe defaults for a developer machine; production overrides them."""

    ENV = "development"
    SECRET_KEY = DEV_SECRET_KEY
    # Keyed hash for voter dedup keys; separate from SECRET_KEY so it can outlive key rotation.
    VOTER_KEY_SECRET = DEV_SECRET_KEY
    DATABASE_URL: str | None = None  # None → instance/pb.sqlite3
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    SEND_FILE_MAX_AGE_DEFAULT = 3600  # static css/js: cached an hour, small enough to ship fixes
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = None  # tied to the session; a kiosk form may stay open a long time
    LANGUAGES = ["en", "es", "zh_Hans", "vi", "ko", "fil", "so", "ar"]
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    # Outgoing email (voter verification). With no MAIL_SERVER, emails are written to the log,
    # which is what `make run` on a laptop wants.
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_FROM = "Community Budget <noreply@localhost>"
    VERIFY_LINK_HOURS = 72
    # The one reminder a registrant may ask for goes out this long before voting closes.
    VOTING_REMINDER_HOURS = 48
    # Anonymous public pages are kept in memory per server until the audit head moves
    # (pb/pagecache.py). Changes made outside the app (SQL by hand) show after the next
    # audited change or a restart; turn it off while doing such maintenance.
    PAGE_CACHE = True
    # The site's public address (scheme and host, e.g. "https://vote.example.org"). Links that
    # leave the site (emails, printed QR codes) are built from it, never from the request's
    # Host header, which anyone can set. Required in production.
    PUBLIC_BASE_URL: str | None = None
    DEMO_PASSWORD = "demo-password"  # noqa: S105 - only used by `flask pb demo`


def _coerce(value: str) -> Any:
    """Environment values are strings; accept JSON for numbers, booleans and lists."""
    try:
        return json.loads(value)
    except ValueError:
        return value


def load_config(app, test_config: dict | None = None) -> None:
    """Fill app.config from defaults, the instance file and the environment, in that order."""
    app.config.from_object(Defaults)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        for key, value in os.environ.items():
            if key.startswith("PB_"):
                app.config[key.removeprefix("PB_")] = _coerce(value)
    else:
        app.config.update(test_config)

    url = app.config["DATABASE_URL"] or "sqlite:///" + os.path.join(app.instance_path, "pb.sqlite3")
    if url.startswith("postgresql://"):  # default to psycopg 3, which is what we install
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    # A server can drop an idle connection; a SQLite file cannot, so only servers are pinged.
    # A database error's text leaves out the statement's values (an email, a code, the ranks
    # of a cast), since it may end up in a log.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": not url.startswith("sqlite"),
                                               "hide_parameters": True}
    check_config(app.config)
    if app.config.get("PUBLIC_BASE_URL"):  # url_for(..., _external=True) uses it too
        scheme, host = app.config["PUBLIC_BASE_URL"].rstrip("/").split("://", 1)
        app.config["SERVER_NAME"] = app.config.get("SERVER_NAME") or host
        app.config["PREFERRED_URL_SCHEME"] = scheme


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the app refuses to start."""


BASE_URL = re.compile(r"^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?$")


def check_config(config) -> None:
    if config["ENV"] == "production":
        for key in ("SECRET_KEY", "VOTER_KEY_SECRET"):
            if not config.get(key) or config[key] == DEV_SECRET_KEY or len(config[key]) < 32:
                raise ConfigError(
                    f"{key} must be set to a random value of at least 32 characters "
                    "(PB_{key} or instance/config.py) when ENV is production"
                )
        if not BASE_URL.match(config.get("PUBLIC_BASE_URL") or ""):
            raise ConfigError(
                "PUBLIC_BASE_URL must be set to the site's public https address, such as "
                "https://vote.example.org (PB_PUBLIC_BASE_URL or instance/config.py) when ENV is "
                "production: emailed and printed links are built from it, never from the Host header"
            )
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True


def public_url(endpoint: str, **values) -> str:
    """An absolute link for an email or a printed sheet, on the configured PUBLIC_BASE_URL.

    Without it (development and tests only: production refuses to start) the link falls back
    to the address the request came in on.
    """
    base = current_app.config.get("PUBLIC_BASE_URL")
    if not base:
        return url_for(endpoint, _external=True, **values)
    return base.rstrip("/") + url_for(endpoint, **values)


@contextmanager
def link_context() -> Iterator[None]:
    """Links and templates need a request; outside one (the CLI, the mail worker) use the
    public address."""
    if has_request_context():
        yield
        return
    base = current_app.config.get("PUBLIC_BASE_URL") or "http://localhost"
    with current_app.test_request_context("/", base_url=base):
        yield
