"""The translation queue for liaisons and staff."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb.accounts.access import roles
from pb.cycles.queries import get_cycle_or_404
from pb.db import db
from pb.enums import Role
from pb.errors import DomainError
from pb.i18n.content import is_shown
from pb.i18n.models import ContentTranslation
from pb.transaction import transaction
from pb.translations import queries, services
from pb.translations.forms import ReviewForm, TranslationForm

bp = Blueprint("translations", __name__)
translators = roles(Role.liaison, Role.staff)


@bp.get("/cycles/<slug>/translations")
@translators
def queue(slug: str):
    cycle = get_cycle_or_404(slug, include_draft=True)
    others = [code for code in cycle.locales if code != cycle.locale] or cycle.locales
    locale = request.args.get("lang") if request.args.get("lang") in cycle.locales else others[0]
    items = queries.queue(cycle, locale, include_ideas=request.args.get("ideas") == "1")
    return render_template("translations/queue.html", cycle=cycle, locale=locale, items=items,
                           locked=services.ballot_locked(cycle))


def _object_or_404(object_type: str, object_id: int):
    model = services.TRANSLATABLE.get(object_type, (None,))[0]
    obj = db.session.get(model, object_id) if model else None
    if obj is None:
        abort(404)
    return obj


@bp.route("/translations/<object_type>/<id:object_id>/<field>/<lang>", methods=["GET", "POST"])
@translators
def edit(object_type: str, object_id: int, field: str, lang: str):
    obj = _object_or_404(object_type, object_id)
    cycle = services.cycle_of(obj)
    if field not in services.TRANSLATABLE[object_type][1] or lang not in cycle.locales:
        abort(404)
    row = db.session.query(ContentTranslation).filter_by(
        object_type=object_type, object_id=object_id, field=field, locale=lang).first()
    form = TranslationForm(text=row.text if row else "")
    if form.validate_on_submit():
        try:
            with transaction():
                services.translate_field(actor=current_user, obj=obj, field=field, locale=lang, text=form.text.data)
            flash(_("Translation saved. Someone else now needs to review it."), "success")
            return redirect(url_for("translations.queue", slug=cycle.slug, lang=lang))
        except DomainError as error:
            form.text.errors.append(str(error))
    return _edit_page(obj, object_type, field, lang, row, form)


def _edit_page(obj, object_type: str, field: str, lang: str, row, form):
    return render_template("translations/edit.html", obj=obj, cycle=services.cycle_of(obj), field=field,
                           lang=lang, row=row, original=getattr(obj, field), form=form,
                           review_form=ReviewForm(), object_type=object_type,
                           locked=services.ballot_locked(obj),
                           stale=row is not None and row.source_text != getattr(obj, field),
                           shown=row is not None and is_shown(row, obj)), 400 if form.errors else 200


@bp.post("/translations/<object_type>/<id:object_id>/<field>/<lang>/review")
@translators
def review(object_type: str, object_id: int, field: str, lang: str):
    obj = _object_or_404(object_type, object_id)
    if ReviewForm().validate_on_submit():
        try:
            with transaction():
                services.review_translation(actor=current_user, obj=obj, field=field, locale=lang)
            flash(_("Translation marked as reviewed."), "success")
        except DomainError as error:
            flash(str(error), "error")
    return redirect(url_for("translations.queue", slug=services.cycle_of(obj).slug, lang=lang))
