"""Sign in (with an optional second step), sign out, two-step settings and the language choice."""

from urllib.parse import urlsplit

import segno
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from pb import clock
from pb.accounts import people, services, tokens, totp
from pb.accounts.access import public, roles, signed_in
from pb.accounts.forms import (
    CodeForm,
    ForgotPasswordForm,
    LoginForm,
    SetPasswordForm,
    TwoFactorForm,
)
from pb.accounts.models import User
from pb.accounts.sessions import end_session, session_user, start_session
from pb.accounts.settings import staff_totp_required
from pb.admin import mails
from pb.db import db
from pb.enums import Role
from pb.errors import DomainError
from pb.extensions import login_manager
from pb.i18n.locales import enabled_languages
from pb.security.ratelimit import device_key, limit
from pb.transaction import transaction

bp = Blueprint("accounts", __name__)
SECOND_STEP_SECONDS = 300  # time allowed between the password and the code
SETUP_SECONDS = 900  # time allowed to install an app and set up a required second step


@login_manager.user_loader
def load_user(user_id: str):
    return session_user(user_id)  # None once the session was ended on the server


def safe_next(target: str | None, default: str) -> str:
    """Only same-site paths: never redirect to another host after login or a language change."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return default
    return target


def _signed_in(user: User):
    with transaction():
        start_session(user)
    if user.locale:  # the language remembered on the account (kept after signing out)
        session["locale"] = user.locale
    start = url_for("admin.dashboard") if user.role != Role.resident else url_for("cycles.home")
    return redirect(safe_next(request.args.get("next"), start))


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    if form.validate_on_submit():
        limit(f"login:{services.normalise_email(form.email.data)}", 20, 900)  # one account
        limit(f"login-device:{device_key()}", 40, 900)  # one browser trying many accounts
        with transaction():  # failures and lock-outs are kept, whatever happens next
            user = services.authenticate(form.email.data, form.password.data)
        if user is not None and user.totp_secret:
            session["second_step"] = {"user": user.id, "at": clock.timestamp()}
            return redirect(url_for("accounts.second_factor", next=request.args.get("next")))
        if user is not None and user.role == Role.staff and staff_totp_required():
            session["totp_required"] = {"user": user.id, "at": clock.timestamp()}  # not signed in until it is set up
            return redirect(url_for("accounts.required_two_factor", next=request.args.get("next")))
        if user is not None:
            return _signed_in(user)
        flash(_("That email and password do not match an account. After several failed attempts, "
                "sign-in for that email pauses for a few minutes."), "error")
    return render_template("accounts/login.html", form=form)


@bp.route("/login/code", methods=["GET", "POST"])
@public
def second_factor():
    pending = session.get("second_step") or {}
    user = db.session.get(User, pending.get("user", 0)) if isinstance(pending.get("user"), int) else None
    if user is None or clock.timestamp() - pending.get("at", 0) > SECOND_STEP_SECONDS:
        session.pop("second_step", None)
        flash(_("Please sign in again."), "info")
        return redirect(url_for("accounts.login"))
    form = CodeForm()
    if form.validate_on_submit():
        limit(f"totp:{user.id}", 10, 900)
        with transaction():  # a wrong code counts towards the lock-out
            accepted = services.check_second_factor(user, form.code.data)
        if accepted:
            return _signed_in(user)
        form.code.errors.append(_("That code is not right. Use the newest code your app shows."))
    return render_template("accounts/second_factor.html", form=form), 400 if form.errors else 200


@bp.route("/login/two-step-setup", methods=["GET", "POST"])
@public
def required_two_factor():
    """Staff must use two-step sign-in and have none yet: set it up, then they are signed in."""
    pending = session.get("totp_required") or {}
    user = db.session.get(User, pending.get("user", 0)) if isinstance(pending.get("user"), int) else None
    if user is None or not user.is_active or user.totp_secret or clock.timestamp() - pending.get("at", 0) > SETUP_SECONDS:
        session.pop("totp_required", None)
        flash(_("Please sign in again."), "info")
        return redirect(url_for("accounts.login"))
    form, secret = CodeForm(), session.setdefault("totp_setup", totp.new_secret())
    if form.validate_on_submit():
        limit(f"totp-settings:{user.id}", 10, 900)
        try:
            with transaction():
                services.enable_totp(actor=user, user=user, secret=secret, code=form.code.data)
            return _signed_in(user)
        except DomainError as error:
            form.code.errors.append(str(error))
    uri = totp.provisioning_uri(secret, user.email, current_app.config["TOTP_ISSUER"])
    return render_template("accounts/required_two_factor.html", form=form, secret=secret,
                           qr=segno.make(uri, error="m").svg_data_uri(scale=4, border=2)), 400 if form.errors else 200


@bp.route("/login/forgot", methods=["GET", "POST"])
@public
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        limit(f"reset:{services.normalise_email(form.email.data)}", 5, 3600)  # no mail bombing
        limit(f"reset-device:{device_key()}", 20, 3600)
        with transaction():
            found = people.request_password_reset(email=form.email.data)
            if found is not None:
                mails.password_reset(*found)
        # The same answer whether or not the address has an account.
        flash(_("If an account uses this address, we sent it a link to choose a new password. "
                "The link works once, for one hour."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form), 400 if form.errors else 200


@bp.route("/account/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    return _set_password(token, "reset", _("Your new password is set. Sign in with it."))


@bp.route("/account/invitation/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    return _set_password(token, "invite", _("Your password is set. You can now sign in with your email address and this password."))


def _set_password(token: str, purpose: str, done: str):
    """GET shows the form (opening the link does not use it up); POST sets the password."""
    user, form = tokens.token_user(token=token, purpose=purpose), SetPasswordForm()
    if user is None:
        return render_template("accounts/set_password.html", form=None), 404
    if form.validate_on_submit():
        try:
            with transaction():
                people.set_password_from_link(token=token, purpose=purpose, password=form.password.data,
                                              confirm=form.confirm.data)
            flash(done, "success")
            return redirect(url_for("accounts.login"))
        except DomainError as error:
            form.password.errors.append(str(error))
    return render_template("accounts/set_password.html", form=form, person=user), 400 if form.errors else 200


@bp.route("/account/two-step", methods=["GET", "POST"])
@roles(Role.staff, Role.liaison, Role.observer)
def two_factor():
    form = TwoFactorForm()
    if form.validate_on_submit():
        limit(f"totp-settings:{current_user.id}", 10, 900)
        try:
            with transaction():
                _change_two_factor(form)
            return redirect(url_for("accounts.two_factor"))
        except DomainError as error:
            form.code.errors.append(str(error))
    secret = None if current_user.totp_secret else session.setdefault("totp_setup", totp.new_secret())
    uri = secret and totp.provisioning_uri(secret, current_user.email, current_app.config["TOTP_ISSUER"])
    qr = uri and segno.make(uri, error="m").svg_data_uri(scale=4, border=2)
    return render_template("accounts/two_factor.html", form=form, secret=secret, qr=qr,
                           enabled=bool(current_user.totp_secret)), 400 if form.errors else 200


def _change_two_factor(form: TwoFactorForm) -> None:
    if form.action.data == "enable" and not current_user.totp_secret and session.get("totp_setup"):
        services.enable_totp(actor=current_user, user=current_user, secret=session["totp_setup"],
                             code=form.code.data)
        session.pop("totp_setup", None)
        flash(_("Two-step sign-in is on. You will need your app each time you sign in."), "success")
    elif form.action.data == "disable" and current_user.totp_secret:
        services.disable_totp(actor=current_user, user=current_user, password=form.password.data or "",
                              code=form.code.data)
        flash(_("Two-step sign-in is off."), "info")
    else:
        raise DomainError(_("This form has expired. Please try again."))


@bp.post("/logout")
@signed_in
def logout():
    end_session()  # deletes the server-side session: a copy of the cookie stops working too
    flash(_("You are signed out."), "info")
    return redirect(url_for("cycles.home"))


@bp.get("/language/<code>")
@public
def language(code: str):
    if code not in {lang.code for lang in enabled_languages()}:
        abort(404)
    session["locale"] = code
    return redirect(safe_next(request.args.get("next"), url_for("cycles.home")))
