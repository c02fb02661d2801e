"""Staff pages to create, edit, check and preview a cycle (routes on the admin blueprint)."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import get_currency_precision
from flask import current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb.accounts.access import roles
from pb.admin.forms import AdvancePhaseForm
from pb.admin.views import bp
from pb.cycles import services
from pb.cycles.forms import AreaForm, CycleForm, RetireAreaForm
from pb.cycles.models import Area
from pb.cycles.queries import get_cycle_or_404
from pb.enums import CATEGORIES, Phase, Role
from pb.errors import DomainError
from pb.i18n.locales import enabled_languages
from pb.kiosk.queries import get_or_404
from pb.kiosk.services import check_kiosks_may_stop
from pb.lifecycle.readiness import readiness
from pb.transaction import run_action, transaction

SETTINGS = ("min_age", "max_ranks", "tie_break", "kiosk_idle_seconds", "use_kiosks", "show_support_counts",
            "allow_anonymous_ideas")


def _form(cycle=None, **kwargs) -> CycleForm:
    locales = [(lang.code, lang.name) for lang in enabled_languages()]
    form = CycleForm(locales=locales, **kwargs)
    if cycle is not None:
        del form.slug, form.areas, form.locale
        if services.is_locked(cycle):  # the ballot is fixed: these show as text, not fields
            for name in ("title", "description", "budget", "currency", "rule", "points", "completion", "tie_break",
                         "tie_seed", "max_ranks", "min_age", "languages"):
                delattr(form, name)
    return form


@bp.route("/cycles/new", methods=["GET", "POST"])
@roles(Role.staff)
def new_cycle():
    form = _form(data={"currency": "USD", "min_age": 14, "max_ranks": 5, "kiosk_idle_seconds": 120,
                       "categories": list(CATEGORIES), "locale": "en", "languages": ["en"]})
    if form.validate_on_submit():
        try:
            with transaction():
                cycle = services.create_cycle(actor=current_user, slug=form.slug.data, **_create_values(form))
            flash(_("Cycle created. It stays a draft until you open idea collection."), "success")
            return redirect(url_for("admin.cycle", slug=cycle.slug))
        except DomainError as error:
            form.form_errors.append(str(error))
    return render_template("admin/cycle_form.html", form=form, cycle=None), 400 if form.errors else 200


def _create_values(form: CycleForm) -> dict:
    areas = [(f"area-{i}", name) for i, name in enumerate(form.area_names(), start=1)]
    return _values(form) | {"locale": form.locale.data, "areas": areas}


def _values(form: CycleForm) -> dict:
    """The settings the form carries (a locked form has fewer fields)."""
    values = {"categories": form.categories.data, "schedule": form.schedule()}
    if "title" in form:
        values |= {"title": form.title.data, "description": form.description.data or ""}
    values |= {name: form[name].data for name in SETTINGS if name in form}
    if "budget" in form:
        values |= {"budget_cents": form.budget.cents, "currency": form.currency.data.strip().upper(),
                   "rule": form.rule.data, "tie_seed": (form.tie_seed.data or "").strip() or None,
                   "rule_params": _rule_params(form), "languages": sorted(set(form.languages.data))}
    return values


def _rule_params(form: CycleForm) -> dict:
    params = {"points": form.points.data}
    if form.rule.data == "equal-shares":
        params["completion"] = form.completion.data
    return params


@bp.route("/cycles/<slug>/edit", methods=["GET", "POST"])
@roles(Role.staff)
def edit_cycle(slug: str):
    cycle = get_cycle_or_404(slug, include_draft=True)
    form = _form(cycle, data=_initial(cycle))
    if form.validate_on_submit():
        values = _values(form)
        if "languages" in values:
            values["languages"] = sorted({cycle.locale, *values["languages"]})
        try:
            with transaction():
                if cycle.use_kiosks and values.get("use_kiosks") is False:
                    check_kiosks_may_stop(cycle)
                services.update_cycle(actor=current_user, cycle=cycle, **values)
            flash(_("Cycle settings saved."), "success")
            return redirect(url_for("admin.cycle", slug=slug))
        except DomainError as error:
            form.form_errors.append(str(error))
    return render_template("admin/cycle_form.html", form=form, cycle=cycle,
                           locked=services.is_locked(cycle)), 400 if form.errors else 200


def _initial(cycle) -> dict:
    digits = get_currency_precision(cycle.currency)
    data = {name: getattr(cycle, name) for name in (*SETTINGS, "title", "description", "currency", "rule",
                                                    "tie_seed", "categories")}
    data |= {"budget": str(Decimal(cycle.budget_cents).scaleb(-digits)), "languages": cycle.locales,
             "points": (cycle.rule_params or {}).get("points", "fixed"),
             "completion": (cycle.rule_params or {}).get("completion", "none")}
    data |= {f"date_{phase}": cycle.starts_at(phase).date() for phase in services.DATED_PHASES
             if cycle.starts_at(phase)}
    return data


@bp.get("/cycles/<slug>")
@roles(Role.staff)
def cycle(slug: str):
    """A cycle's admin page: its settings, areas, and the checklist for opening voting."""
    cycle = get_cycle_or_404(slug, include_draft=True)
    checks = readiness(cycle) if cycle.phase in (Phase.draft, Phase.ideas, Phase.development) else []
    return render_template("admin/cycle.html", cycle=cycle, checks=checks, locked=services.is_locked(cycle),
                           form=AdvancePhaseForm(), area_form=AreaForm(), retire_form=RetireAreaForm())


@bp.get("/cycles/<slug>/preview")
@roles(Role.staff)
def preview_cycle(slug: str):
    """The public cycle page exactly as residents will see it, also while the cycle is a draft:
    the public view itself renders it, allowed to read this one draft (g.staff_preview)."""
    cycle = get_cycle_or_404(slug, include_draft=True)
    if cycle.phase == Phase.draft:
        flash(_("Preview: residents cannot see this page until the cycle leaves draft."), "info")
    g.staff_preview = cycle.slug
    return current_app.view_functions["cycles.detail"](slug=cycle.slug)


@bp.post("/cycles/<slug>/areas")
@roles(Role.staff)
def add_area(slug: str):
    cycle = get_cycle_or_404(slug, include_draft=True)
    return _area_action(AreaForm(), cycle.slug,
                        lambda form: services.add_area(actor=current_user, cycle=cycle, name=form.name.data),
                        _("Area added."))


@bp.post("/areas/<id:area_id>/rename")
@roles(Role.staff)
def rename_area(area_id: int):
    area = get_or_404(Area, area_id)
    return _area_action(AreaForm(), area.cycle.slug,
                        lambda form: services.rename_area(actor=current_user, area=area, name=form.name.data),
                        _("Area renamed."))


@bp.post("/areas/<id:area_id>/retire")
@roles(Role.staff)
def retire_area(area_id: int):
    area = get_or_404(Area, area_id)
    return _area_action(RetireAreaForm(), area.cycle.slug,
                        lambda form: services.retire_area(actor=current_user, area=area, retired=form.retired.data),
                        _("Area updated."))


def _area_action(form, slug: str, change, success: str):
    back = url_for("admin.cycle", slug=slug)
    if not form.validate_on_submit():
        flash(_("Give the area a name of 1 to %(n)d characters.", n=services.MAX_AREA), "error")
        return redirect(back)
    return run_action(lambda: change(form), success=success, then=back)
