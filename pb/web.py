"""Request hooks, security headers and error pages shared by every blueprint."""

from __future__ import annotations

from flask import Flask, g, render_template, request, session
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.middleware.proxy_fix import ProxyFix

from pb.accounts.access import observers_read_only
from pb.accounts.sessions import idle_timeout
from pb.db import db, write_intent
from pb.errors import DomainError, NotAllowed
from pb.security.logs import redact
from pb.security.text import any_control_characters
from pb.transaction import Conflict

# No inline script or style anywhere ('unsafe-inline' is never allowed): templates load
# /static files only, so injected markup cannot run even if escaping were ever missed.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
       "base-uri 'none'; object-src 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
HSTS = "max-age=31536000; includeSubDomains"
# Security settings with safe defaults; instance/config.py or PB_* variables override them.
SECURITY_DEFAULTS = {
    "STAFF_IDLE_MINUTES": 30,  # staff, liaison and observer sessions end after this idle time
    "RATE_LIMITS_ENABLED": True,
    "TOTP_ISSUER": "Community Budget",
    "TOTP_KEY": None,  # masks stored TOTP secrets; defaults to SECRET_KEY
    "TRUSTED_PROXIES": 0,  # reverse proxies in front whose X-Forwarded-* headers are believed
}

ERROR_TEXTS = {
    400: (_l("Something in that request was not right"),
          _l("Please go back, check what you entered and try again.")),
    403: (_l("You cannot open this page"),
          _l("Your account does not have access to this page.")),
    404: (_l("Page not found"),
          _l("We could not find this page. It may have moved, or the address may be mistyped.")),
    409: (_l("Someone else was quicker"),
          _l("Someone else made the same change at the same moment. Please reload the page and check.")),
    405: (_l("That action is not possible here"),
          _l("This page cannot be used that way. Please go back and use the buttons on the page.")),
    413: (_l("That upload is too large"),
          _l("Please send a smaller file.")),
    429: (_l("Too many attempts"),
          _l("Please wait a few minutes and try again.")),
    500: (_l("Something went wrong on our side"),
          _l("Nothing you did caused this. Your last action was not saved; please try again later.")),
}


# Headers with which a WSGI server (gunicorn trusts them from 127.0.0.1 by default) may have
# already switched wsgi.url_scheme, or set SCRIPT_NAME, before the app sees the request.
SERVER_FORWARDED = ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_PROTOCOL", "HTTP_X_FORWARDED_SSL")


class IgnoreForwardedScheme:
    """With TRUSTED_PROXIES = 0 nobody may tell us the scheme or the path prefix by a header.

    Werkzeug already ignores X-Forwarded-* without ProxyFix, but gunicorn applies
    X-Forwarded-Proto and a SCRIPT_NAME header itself when the peer is local. Undo that: a
    request that carries such a header counts as plain HTTP at the site root.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if any(name in environ for name in SERVER_FORWARDED):
            environ["wsgi.url_scheme"] = "http"
        if "HTTP_SCRIPT_NAME" in environ:
            environ["SCRIPT_NAME"] = ""
        return self.wsgi_app(environ, start_response)


def render_error(code: int, detail=None):
    title, text = ERROR_TEXTS.get(code, ERROR_TEXTS[500])
    kiosk_id = session.get("kiosk")  # a kiosk's screen keeps its own layout, with no site menu
    return render_template("errors/error.html", code=code, title=title, text=detail or text, kiosk_id=kiosk_id,
                           layout="kiosk/base.html" if kiosk_id else "base.html"), code


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_error):
        db.session.rollback()
        return render_error(400, _l("This form has expired or was sent from another site. "
                                    "Please reload the page and try again."))

    @app.errorhandler(DomainError)
    def _domain(error: DomainError):
        # A view that let a refusal through (a lost unique-key race becomes a Conflict in
        # pb.transaction) still shows its translated message, never the 500 page.
        db.session.rollback()
        code = 409 if isinstance(error, Conflict) else 403 if isinstance(error, NotAllowed) else 400
        return render_error(code, str(error))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        db.session.rollback()
        if error.code in ERROR_TEXTS:
            body, code = render_error(error.code)
            retry_after = getattr(error, "retry_after", None)
            return body, code, {"Retry-After": str(retry_after)} if retry_after else {}
        return error

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, redact(request.path))
        return render_error(InternalServerError.code)


CONTROL_CHARACTERS = _l("What you sent contains a hidden control character (for example a null byte) "
                        "that we cannot store. Please type it again without it.")


def _no_control_characters():
    """before_request: refuse NUL and other control characters in the path, the query string
    and form fields (where tab and line breaks are fine), before any view or database sees them.
    PostgreSQL would otherwise fail on a NUL byte (a 500) where SQLite stores it."""
    args = request.args.items(multi=True)
    url_texts = [request.path, *(request.view_args or {}).values(), *(t for pair in args for t in pair)]
    form_texts = [t for pair in request.form.items(multi=True) for t in pair]
    if any_control_characters(url_texts) or any_control_characters(form_texts, multiline=True):
        return render_error(400, CONTROL_CHARACTERS)
    return None


def register_request_hooks(app: Flask) -> None:
    for key, value in SECURITY_DEFAULTS.items():
        app.config.setdefault(key, value)
    if app.config["TRUSTED_PROXIES"]:  # so request.is_secure sees the proxy's TLS (HSTS, cookies)
        n = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    else:
        app.wsgi_app = IgnoreForwardedScheme(app.wsgi_app)
    app.before_request(_no_control_characters)
    app.before_request(idle_timeout)
    app.before_request(observers_read_only)

    @app.before_request
    def _no_impossible_page_numbers():
        # `?page=` feeds an OFFSET: a number past 2^31 is no page of ours (404, like ids),
        # rather than an overflow inside the database driver.
        try:
            page = int(request.args.get("page", "1"))
        except ValueError:
            return None
        return render_error(404) if not -(2**31) < page < 2**31 else None

    @app.before_request
    def _no_unexpected_files():
        # No form takes a file; a file sent in a text field must be a clear 400, not a crash
        # deep inside a validator. A future upload view sets `view.accepts_files = True`.
        view = app.view_functions.get(request.endpoint or "")
        if request.files and not getattr(view, "accepts_files", False):
            return render_error(400, _l("This form does not take files. Please type your answer instead."))
        return None

    @app.teardown_request
    def _reset_write_intent(_exc):
        token = g.pop("write_token", None)
        if token is not None:
            write_intent.reset(token)

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        for name, value in SECURITY_HEADERS.items():
            headers.setdefault(name, value)
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", HSTS)
        if "_user_id" in session or "voter" in session:  # personal pages stay out of shared caches
            headers.setdefault("Cache-Control", "no-store")
            headers.add("Vary", "Cookie")
        return response
