"""Staff pages for people: the list of accounts filtered by role, invitations, role changes,
deactivation and reactivation, and the two-step sign-in requirement for staff."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from pb.accounts import people
from pb.accounts.access import roles
from pb.accounts.models import User
from pb.accounts.queries import active_staff_count, invitation_states, list_people
from pb.accounts.settings import staff_totp_required
from pb.admin import mails
from pb.admin.forms import (
    AccountReasonForm,
    InviteForm,
    ResendInvitationForm,
    RoleForm,
    StaffTwoStepForm,
)
from pb.admin.views import bp
from pb.audit.labels import ROLE_LABELS, action_label
from pb.audit.models import AuditEvent
from pb.db import db
from pb.enums import Role
from pb.errors import DomainError
from pb.i18n.locales import enabled_languages
from pb.transaction import run_action, transaction


def _invite_form() -> InviteForm:
    form = InviteForm(language=str(get_locale()))
    form.language.choices = [(lang.code, lang.name) for lang in enabled_languages()]
    return form


def _users_page(invite_form=None, two_step_form=None, status=200):
    role = request.args.get("role", "")
    found = list_people(role)
    return render_template("admin/users.html", people=found, role=role if role in Role.__members__ else "",
                           roles=list(Role), role_names=ROLE_LABELS, invite_form=invite_form or _invite_form(),
                           invitations=invitation_states([p.id for p in found]),
                           two_step_form=two_step_form or StaffTwoStepForm(required=staff_totp_required()),
                           ), status


@bp.get("/users")
@roles(Role.staff)
def users():
    return _users_page()


@bp.post("/users/invite")
@roles(Role.staff)
def invite_user():
    form = _invite_form()
    if form.validate_on_submit():
        try:
            with transaction():  # the account and its email commit together, or neither
                user, token = people.invite_user(actor=current_user, email=form.email.data, name=form.name.data,
                                                 role=form.role.data, locale=form.language.data)
                mails.invitation(user, token, inviter=current_user)
            flash(_("Invitation sent to %(email)s.", email=user.email), "success")
            return redirect(url_for("admin.person", user_id=user.id))
        except DomainError as error:
            form.email.errors.append(str(error))
    return _users_page(invite_form=form, status=400)


@bp.post("/users/two-step")
@roles(Role.staff)
def staff_two_step():
    form = StaffTwoStepForm()
    if form.validate_on_submit():
        try:
            with transaction():
                required = people.require_staff_totp(actor=current_user, required=form.required.data)
            flash(_("Staff must now use two-step sign-in. Staff without it set it up at their next sign-in.")
                  if required else _("Two-step sign-in is now optional for staff."), "success")
            return redirect(url_for("admin.users"))
        except DomainError as error:
            form.required.errors.append(str(error))
    return _users_page(two_step_form=form, status=400)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    return user if user is not None and user.deleted_at is None else abort(404)


def _person_page(user: User, status: int = 200, **forms):
    forms = {"role": RoleForm(role=str(user.role)), "deactivate": AccountReasonForm(),
             "reactivate": AccountReasonForm(), "resend": ResendInvitationForm()} | forms
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "User", AuditEvent.object_id == str(user.id))
        .order_by(AuditEvent.seq.desc()).limit(20)).all()
    return render_template("admin/person.html", person=user, forms=forms, events=events,
                           role_names=ROLE_LABELS, action_label=action_label, invitation=invitation_states([user.id]).get(user.id),
                           last_staff=user.role == Role.staff and active_staff_count() <= 1), status


@bp.get("/users/<id:user_id>")
@roles(Role.staff)
def person(user_id: int):
    return _person_page(_user_or_404(user_id))


def _person_action(user_id: int, key: str, form, change, success: str):
    """Run one change to an account from its page: on refusal, the page again with the error."""
    user = _user_or_404(user_id)

    def page_again(error: DomainError | None = None):
        if error is not None:
            form.form_errors.append(str(error))
        return _person_page(user, status=400, **{key: form})

    if not form.validate_on_submit():
        return page_again()
    return run_action(lambda: change(user, form), success=success, refused=page_again,
                      then=url_for("admin.person", user_id=user.id))


@bp.post("/users/<id:user_id>/role")
@roles(Role.staff)
def change_role(user_id: int):
    return _person_action(user_id, "role", RoleForm(), lambda user, form: people.change_role(
        actor=current_user, user=user, role=form.role.data), _("Role changed. Their sessions ended."))


@bp.post("/users/<id:user_id>/deactivate")
@roles(Role.staff)
def deactivate_user(user_id: int):
    return _person_action(user_id, "deactivate", AccountReasonForm(), lambda user, form: people.deactivate_user(
        actor=current_user, user=user, reason=form.reason.data),
        _("Account deactivated. They were signed out everywhere and cannot sign in."))


@bp.post("/users/<id:user_id>/reactivate")
@roles(Role.staff)
def reactivate_user(user_id: int):
    return _person_action(user_id, "reactivate", AccountReasonForm(), lambda user, form: people.reactivate_user(
        actor=current_user, user=user, reason=form.reason.data), _("Account reactivated."))


@bp.post("/users/<id:user_id>/invitation")
@roles(Role.staff)
def resend_invitation(user_id: int):
    def change(user, _form):
        mails.invitation(user, people.resend_invitation(actor=current_user, user=user), inviter=current_user)

    return _person_action(user_id, "resend", ResendInvitationForm(), change,
                          _("A new invitation is on its way. The earlier link no longer works."))
