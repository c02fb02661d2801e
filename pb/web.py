"""Request hooks and error pages shared by every blueprint."""

from __future__ import annotations

from flask import Flask, g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from pb.db import db, write_intent

ERROR_TEXTS = {
    400: (_l("Something in that request was not right"),
          _l("Please go back, check what you entered and try again.")),
    403: (_l("You cannot open this page"),
          _l("Your account does not have access to this page.")),
    404: (_l("Page not found"),
          _l("We could not find this page. It may have moved, or the address may be mistyped.")),
    405: (_l("That action is not possible here"),
          _l("This page cannot be used that way. Please go back and use the buttons on the page.")),
    413: (_l("That upload is too large"),
          _l("Please send a smaller file.")),
    429: (_l("Too many attempts"),
          _l("Please wait a few minutes and try again.")),
    500: (_l("Something went wrong on our side"),
          _l("Nothing you did caused this. Your last action was not saved; please try again later.")),
}


def render_error(code: int, detail=None):
    title, text = ERROR_TEXTS.get(code, ERROR_TEXTS[500])
    return render_template("errors/error.html", code=code, title=title, text=detail or text), code


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_error):
        db.session.rollback()
        return render_error(400, _l("This form has expired or was sent from another site. "
                                    "Please reload the page and try again."))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        db.session.rollback()
        if error.code in ERROR_TEXTS:
            return render_error(error.code)
        return error

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return render_error(InternalServerError.code)


def register_request_hooks(app: Flask) -> None:
    @app.teardown_request
    def _reset_write_intent(_exc):
        token = g.pop("write_token", None)
        if token is not None:
            write_intent.reset(token)

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy",
                           "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
                           "form-action 'self'; base-uri 'none'; object-src 'none'")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
