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
login_manager.session_protection = "strong"
