"""Comment threads on ideas and projects, with liaison translations and moderation."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from pb.accounts.access import roles, signed_in
from pb.cycles.queries import get_cycle_or_404
from pb.db import db
from pb.deliberation import queries, services
from pb.deliberation.forms import (
    CommentForm,
    CommentTranslationForm,
    HideForm,
    ReportForm,
    UnhideForm,
)
from pb.deliberation.models import Comment
from pb.enums import Role
from pb.errors import DomainError
from pb.proposals.models import Idea, Project
from pb.security.text import whole_number
from pb.transaction import run_action, transaction

bp = Blueprint("deliberation", __name__)
moderators = roles(Role.liaison, Role.staff)


def _page_of(comment_or_target) -> str:
    target = comment_or_target
    if isinstance(target, Comment):
        target = db.session.get(Idea, target.idea_id) if target.idea_id else db.session.get(Project, target.project_id)
    if isinstance(target, Idea):
        return url_for("proposals.detail", idea_id=target.id) + "#comments"
    return url_for("cycles.project", project_id=target.id) + "#comments"


def _post(target):
    form = CommentForm()
    if form.validate_on_submit():
        parent = db.session.get(Comment, number) if (number := whole_number(form.parent_id.data)) else None
        try:
            with transaction():
                services.post_comment(actor=current_user, target=target, body=form.body.data,
                                      locale=str(get_locale()), parent=parent)
            flash(_("Thank you. Your comment is posted."), "success")
        except DomainError as error:
            flash(str(error), "error")
    else:
        flash(_("Write a comment of up to 2000 characters."), "error")
    return redirect(_page_of(target))


@bp.post("/ideas/<id:idea_id>/comments")
@signed_in
def comment_idea(idea_id: int):
    return _post(db.session.get(Idea, idea_id) or abort(404))


@bp.post("/projects/<id:project_id>/comments")
@signed_in
def comment_project(project_id: int):
    return _post(db.session.get(Project, project_id) or abort(404))


def _comment_or_404(comment_id: int) -> Comment:
    return db.session.get(Comment, comment_id) or abort(404)


@bp.post("/comments/<id:comment_id>/report")
@signed_in
def report(comment_id: int):
    comment = _comment_or_404(comment_id)  # CSRFProtect has already checked the token
    reason = ReportForm().reason.data or ""  # optional; the service trims it to 200 characters
    return run_action(lambda: services.report_comment(actor=current_user, comment=comment, reason=reason),
                      success=_("Thank you. A moderator will look at this comment."),
                      then=_page_of(comment))


@bp.post("/comments/<id:comment_id>/hide")
@moderators
def hide(comment_id: int):
    comment = _comment_or_404(comment_id)
    form = HideForm()
    try:
        with transaction():
            if not form.validate_on_submit():
                raise DomainError(_("Give a public reason for hiding this comment (up to 200 characters)."))
            services.hide_comment(actor=current_user, comment=comment, reason=form.reason.data)
        flash(_("The comment is hidden."), "success")
    except DomainError as error:
        flash(str(error), "error")
    return redirect(_back_to(comment))


@bp.post("/comments/<id:comment_id>/unhide")
@moderators
def unhide(comment_id: int):
    comment = _comment_or_404(comment_id)
    form = UnhideForm()
    try:
        with transaction():
            if not form.validate_on_submit():
                raise DomainError(_("Give a public reason for showing this comment again (up to 200 characters)."))
            services.unhide_comment(actor=current_user, comment=comment, reason=form.reason.data)
        flash(_("The comment is shown again."), "success")
    except DomainError as error:
        flash(str(error), "error")
    return redirect(_back_to(comment))


@bp.post("/comments/<id:comment_id>/dismiss")
@moderators
def dismiss_reports(comment_id: int):
    comment = _comment_or_404(comment_id)  # CSRFProtect has already checked the token
    return run_action(lambda: services.dismiss_reports(actor=current_user, comment=comment),
                      success=_("The reports are dismissed. The comment stays as it is."), then=_back_to(comment))


def _back_to(comment: Comment) -> str:
    """The moderation list when the button was pressed there, else the comment's own page."""
    if request.form.get("back") == "moderation":
        return url_for("deliberation.moderation", slug=queries.comment_target(comment).cycle.slug)
    return _page_of(comment)


@bp.post("/comments/<id:comment_id>/translations")
@moderators
def translate(comment_id: int):
    comment = _comment_or_404(comment_id)
    form = CommentTranslationForm()
    form.locale.choices = [(code, code) for code in _cycle_locales(comment)]
    try:
        with transaction():
            if not form.validate_on_submit():
                raise DomainError(_("Choose a language and write the translation."))
            services.translate_comment(actor=current_user, comment=comment, locale=form.locale.data, text=form.text.data)
        flash(_("Translation added."), "success")
    except DomainError as error:
        flash(str(error), "error")
    return redirect(_page_of(comment))


@bp.get("/cycles/<slug>/moderation")
@moderators
def moderation(slug: str):
    cycle = get_cycle_or_404(slug, include_draft=True)
    return render_template("deliberation/moderation.html", cycle=cycle, items=queries.moderation_items(cycle.id),
                           hidden=queries.hidden_comments(cycle.id), is_idea=lambda target: isinstance(target, Idea))


def _cycle_locales(comment: Comment) -> list[str]:
    target = db.session.get(Idea, comment.idea_id) if comment.idea_id else db.session.get(Project, comment.project_id)
    return target.cycle.locales
