"""Sign in, sign out and choose a language."""

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from pb.accounts.access import public, signed_in
from pb.accounts.forms import LoginForm
from pb.accounts.models import User
from pb.accounts.services import authenticate
from pb.db import db
from pb.enums import Role
from pb.extensions import login_manager
from pb.i18n.locales import enabled_languages

bp = Blueprint("accounts", __name__)


@login_manager.user_loader
def load_user(user_id: str):
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def safe_next(target: str | None, default: str) -> str:
    """Only same-site paths: never redirect to another host after login or a language change."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return default
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            locale = session.get("locale")
            session.clear()  # a fresh session at sign-in: no fixation
            if locale:
                session["locale"] = locale
            login_user(user)
            start = url_for("admin.dashboard") if user.role != Role.resident else url_for("cycles.home")
            return redirect(safe_next(request.args.get("next"), start))
        flash(_("That email and password do not match an account."), "error")
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@signed_in
def logout():
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("cycles.home"))


@bp.get("/language/<code>")
@public
def language(code: str):
    if code not in {lang.code for lang in enabled_languages()}:
        abort(404)
    session["locale"] = code
    return redirect(safe_next(request.args.get("next"), url_for("cycles.home")))
