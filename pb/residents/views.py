"""Sign up, emailed links, the account page, "my activity", follows and one-click unsubscribe."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from pb.accounts import signup
from pb.accounts.access import public, roles, signed_in
from pb.accounts.models import User
from pb.accounts.sessions import end_session, start_session
from pb.db import db
from pb.enums import Role
from pb.errors import DomainError
from pb.extensions import csrf
from pb.i18n.locales import enabled_languages
from pb.notifications import services as follows
from pb.notifications.notify import read_unsubscribe_token
from pb.outbox.services import address_hash, suppress_hash
from pb.proposals.models import Idea, Project
from pb.residents import mails, queries
from pb.residents.forms import (
    ConfirmForm,
    DeleteForm,
    EmailForm,
    FollowForm,
    NewEmailForm,
    SettingsForm,
    SignupForm,
)
from pb.residents.services import delete_resident
from pb.security.ratelimit import device_key, limit
from pb.transaction import run_action, transaction

bp = Blueprint("residents", __name__)


@bp.app_context_processor
def _follow_helpers():
    def following(idea=None, project=None) -> bool:
        return current_user.is_authenticated and follows.is_following(user=current_user, idea=idea, project=project)
    return {"is_following": following}


def _sign_in(user: User):
    """Start the session (the caller's transaction commits it), in the account's language."""
    start_session(user)
    if user.locale:
        session["locale"] = user.locale


@bp.route("/signup", methods=["GET", "POST"], endpoint="signup")
@public
def signup_page():
    form = SignupForm()
    if form.validate_on_submit():
        limit(f"signup:{signup.normalise_email(form.email.data)}", 3, 3600)  # one mailbox
        limit(f"signup-device:{device_key()}", 10, 3600)  # one browser trying many addresses
        try:
            with transaction():
                _sign_up(form)
            return render_template("residents/check_email.html")
        except DomainError as error:
            (form.password if form.method.data == "password" else form.email).errors.append(str(error))
    return render_template("residents/signup.html", form=form), 400 if form.errors else 200


def _sign_up(form: SignupForm) -> None:
    """The same answer whether or not the address has an account; only its owner learns which."""
    if form.method.data == "password" and not form.password.data:
        raise DomainError(_("Choose a password, or choose to sign in with emailed links."))
    password = form.password.data if form.method.data == "password" else None
    user, new = signup.sign_up(email=form.email.data, password=password, locale=str(get_locale()))
    if user.role != Role.resident:  # staff and liaisons sign in with their password (and second step)
        mails.already_registered(user, None)
    elif new or user.email_verified_at is None:
        mails.verify(user, signup.issue_token(user=user, purpose="verify"))
    else:
        mails.already_registered(user, signup.issue_token(user=user, purpose="signin"))


def _use_link(token: str, purpose: str, use, done: str, template: str):
    """GET shows a button; POST uses the single-use link (so mail scanners cannot use it up)."""
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            with transaction():
                user = use(token=token)
                # Only a resident is signed in by a link; anyone else signs in with the password
                # and, where set, the second step.
                if user.role == Role.resident and (not current_user.is_authenticated or current_user.id != user.id):
                    _sign_in(user)
            flash(done, "success")
            return redirect(url_for("residents.activity"))
        except DomainError as error:
            flash(str(error), "error")
    usable = signup.token_is_usable(token=token, purpose=purpose)
    return render_template(template, form=form, usable=usable), 200 if usable else 404


@bp.route("/signup/verify/<token>", methods=["GET", "POST"])
@public
def verify(token: str):
    return _use_link(token, "verify", signup.verify_email, _("Your email address is confirmed. Welcome!"),
                     "residents/verify.html")


@bp.route("/login/link", methods=["GET", "POST"])
@public
def sign_in_link():
    form = EmailForm()
    if form.validate_on_submit():
        limit(f"signin-link:{signup.normalise_email(form.email.data)}", 5, 3600)
        limit(f"signin-link-device:{device_key()}", 20, 3600)
        with transaction():
            user = signup.link_recipient(form.email.data)
            if user is not None:
                mails.sign_in_link(user, signup.issue_token(user=user, purpose="signin"))
        return render_template("residents/check_email.html", sign_in=True)
    return render_template("residents/sign_in_link.html", form=form), 400 if form.errors else 200


@bp.route("/login/link/<token>", methods=["GET", "POST"])
@public
def sign_in_with_link(token: str):
    return _use_link(token, "signin", signup.sign_in_with_link, _("You are signed in."),
                     "residents/sign_in_with_link.html")


@bp.route("/account", methods=["GET", "POST"])
@signed_in
def account():
    form = SettingsForm(obj=current_user if request.method == "GET" else None,
                        locale=current_user.locale or str(get_locale()))
    form.locale.choices = [(lang.code, lang.name) for lang in enabled_languages()]
    if form.validate_on_submit():
        with transaction():
            signup.update_settings(user=current_user, locale=form.locale.data, notify_ideas=form.notify_ideas.data,
                                   notify_follows=form.notify_follows.data, notify_replies=form.notify_replies.data,
                                   notify_voting=form.notify_voting.data)
        session["locale"] = form.locale.data
        flash(_("Your choices are saved."), "success")
        return redirect(url_for("residents.account"))
    return render_template("residents/account.html", form=form, email_form=NewEmailForm(),
                           delete_form=DeleteForm()), 400 if form.errors else 200


@bp.post("/account/email")
@signed_in
def change_email():
    form = NewEmailForm()
    if form.validate_on_submit():
        limit(f"email-change:{current_user.id}", 5, 3600)
        try:
            with transaction():
                token = signup.request_email_change(user=current_user, new_email=form.new_email.data)
                if token is not None:
                    mails.confirm_new_email(current_user, token)
            flash(_("We sent a link to the new address. Your email changes when you use it."), "success")
            return redirect(url_for("residents.account"))
        except DomainError as error:
            form.new_email.errors.append(str(error))
    return render_template("residents/account.html", form=_settings_form(), email_form=form,
                           delete_form=DeleteForm()), 400


def _settings_form() -> SettingsForm:
    form = SettingsForm(formdata=None, obj=current_user, locale=current_user.locale or str(get_locale()))
    form.locale.choices = [(lang.code, lang.name) for lang in enabled_languages()]
    return form


@bp.route("/account/email/<token>", methods=["GET", "POST"])
@public
def confirm_email(token: str):
    def use(token):
        user, old = signup.confirm_email_change(token=token)
        mails.email_changed(user, old)
        return user
    return _use_link(token, "email", use, _("Your new email address is saved."), "residents/confirm_email.html")


@bp.get("/account/data.json")
@signed_in
def download_data():
    body = json.dumps(queries.export(current_user), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": "attachment; filename=my-data.json", "Cache-Control": "no-store"})


@bp.post("/account/delete")
@roles(Role.resident)  # staff, liaison and observer accounts are closed by staff
def delete_account():
    form = DeleteForm()
    if not form.validate_on_submit():
        flash(_("Tick the box to confirm."), "error")
        return redirect(url_for("residents.account"))
    with transaction():
        delete_resident(user=current_user)
    end_session()
    flash(_("Your account is deleted. Your ideas and comments stay, without your name."), "info")
    return redirect(url_for("cycles.home"))


@bp.get("/me")
@signed_in
def activity():
    return render_template("residents/activity.html", ideas=queries.my_ideas(current_user),
                           comments=queries.my_comments(current_user), follows=queries.my_follows(current_user),
                           voting=queries.my_voting(current_user))


@bp.post("/ideas/<id:idea_id>/follow")
@signed_in
def follow_idea(idea_id: int):
    idea = db.session.get(Idea, idea_id) or abort(404)
    return _follow(idea=idea, then=url_for("proposals.detail", idea_id=idea.id))


@bp.post("/projects/<id:project_id>/follow")
@signed_in
def follow_project(project_id: int):
    project = db.session.get(Project, project_id) or abort(404)
    return _follow(project=project, then=url_for("cycles.project", project_id=project.id))


def _follow(*, then: str, **target):
    form = FollowForm()
    if not form.validate_on_submit():
        abort(400)
    if form.action.data == "follow":
        return run_action(lambda: follows.follow(user=current_user, **target), then=then,
                          success=_("You follow this now. We will email you when it changes."))
    return run_action(lambda: follows.unfollow(user=current_user, **target), then=then,
                      success=_("You no longer follow this."))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
def unsubscribe(token: str):
    data = read_unsubscribe_token(token) or abort(404)
    form = ConfirmForm()
    done = form.validate_on_submit()
    if done:
        _unsubscribe(data)
    return render_template("residents/unsubscribe.html", form=form, done=done)


@bp.post("/unsubscribe/<token>/one-click")
@csrf.exempt  # RFC 8058: the mail app posts here with no session; the signed token is the proof
@public
def unsubscribe_one_click(token: str):
    data = read_unsubscribe_token(token) or abort(404)
    if request.form.get("List-Unsubscribe") != "One-Click":
        abort(400)
    _unsubscribe(data)
    return Response(_("You are unsubscribed."), mimetype="text/plain")


def _unsubscribe(data: dict) -> None:
    with transaction():
        suppress_hash(data["a"])
        user = db.session.get(User, data["u"])
        if user is not None and address_hash(user.email) == data["a"]:
            signup.unsubscribe(user=user)
