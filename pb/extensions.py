"""Flask extensions, created unbound; `pb.factory.create_app` binds them to an app."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from pb.db import db

__all__ = ["babel", "csrf", "db", "login_manager"]

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "accounts.login"
# Off: with "strong", Flask-Login rewrites every non-empty visitor session (one with only a
# language) on every request, so the cookie of a parallel request (the favicon, a second tab)
# overwrote the one that carried a new form token: "this form has expired". Signed-in
# sessions are protected by their server-side row and a browser check (pb.accounts.sessions).
login_manager.session_protection = None
