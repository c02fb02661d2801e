"""Staff pages: population figures, the equity report and charts, live turnout during voting,
and the community-benefit record (HTML to print, and CSV)."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from pb.accounts.access import staff_only
from pb.cycles.models import Cycle
from pb.cycles.queries import get_cycle_or_404
from pb.db import db
from pb.enums import Phase
from pb.errors import DomainError
from pb.proposals.models import Project
from pb.proposals.services import EDITABLE_PHASES
from pb.results.models import ProgressUpdate
from pb.results.queries import turnout
from pb.results.services import current_snapshot, grant_terms
from pb.survey import queries, services
from pb.survey.export import csv_text
from pb.survey.forms import EmptyForm, LiveTurnoutForm, OwnQuestionForm, PopulationImportForm
from pb.survey.questions import QUESTIONS, bands
from pb.survey.suppression import PUBLIC_MIN, STAFF_MIN
from pb.survey.views import bp
from pb.transaction import run_action, transaction
from pb.voting.models import BoxSeal

POPULATION_QUESTIONS = [q for q in QUESTIONS if q.key != "area"]


def _figures(form_data) -> dict[tuple[str, str], int | None]:
    """The population inputs `pop-<question>-<band>`: blank, or a whole number of people."""
    figures = {}
    for question in POPULATION_QUESTIONS:
        for band in bands(question):
            raw = (form_data.get(f"pop-{question.key}-{band}") or "").strip()
            if raw and (not raw.isascii() or not raw.isdigit() or int(raw) > services.MAX_POPULATION):
                raise DomainError(_("Enter whole numbers of people, or leave a box empty."))
            figures[(question.key, band)] = int(raw) if raw else None
    return figures


@bp.route("/admin/cycles/<slug>/population", methods=["GET", "POST"])
@staff_only
def population(slug: str):
    """Enter one area's eligible residents by the survey's bands (or import a CSV below)."""
    cycle = get_cycle_or_404(slug)
    area = next((a for a in cycle.areas if a.slug == request.values.get("area")), cycle.areas[0] if cycle.areas else None)
    form, error = EmptyForm(), None
    if area is not None and form.validate_on_submit():
        try:
            with transaction():
                services.set_population(actor=current_user, cycle=cycle, area=area, figures=_figures(request.form))
        except DomainError as e:
            error = str(e)
        else:
            flash(_("Saved the figures for %(area)s.", area=area.name), "success")
            return redirect(url_for("survey.population", slug=slug, area=area.slug))
    return render_template("survey/population.html", cycle=cycle, area=area, form=form, error=error,
                           questions=POPULATION_QUESTIONS, figures=queries.population(cycle),
                           import_form=PopulationImportForm()), 400 if form.is_submitted() else 200


@bp.post("/admin/cycles/<slug>/population/import")
@staff_only
def import_population(slug: str):
    cycle = get_cycle_or_404(slug)
    form, lines = PopulationImportForm(), []
    if form.validate_on_submit():
        try:
            with transaction():
                count = services.import_population(actor=current_user, cycle=cycle, text=form.text.data)
        except services.PopulationFileError as error:
            form.text.errors.append(str(error))
            lines = error.lines
        else:
            flash(ngettext("Imported %(num)d figure.", "Imported %(num)d figures.", count), "success")
            return redirect(url_for("survey.population", slug=slug))
    return render_template("survey/population.html", cycle=cycle, area=cycle.areas[0] if cycle.areas else None,
                           form=EmptyForm(), error=None, questions=POPULATION_QUESTIONS, lines=lines,
                           figures=queries.population(cycle), import_form=form), 400


def _question_form(cycle, question=None) -> OwnQuestionForm:
    form = OwnQuestionForm(obj=question, locale=question.locale if question else cycle.locale)
    form.locale.choices = list(cycle.locales)
    return form


def _questions_page(cycle, form, error=None, editing=None):
    return render_template("survey/questions.html", cycle=cycle, form=form, error=error, editing=editing,
                           questions=services.own_questions(cycle), remove_form=EmptyForm(),
                           editable=cycle.phase in EDITABLE_PHASES), 400 if form.is_submitted() else 200


def _save_question(change, cycle, form, editing=None):
    """Run an add or edit; a refusal shows the form again with the message, nothing saved."""
    try:
        with transaction():
            change()
    except DomainError as e:
        return _questions_page(cycle, form, str(e), editing)
    flash(_("The question is saved. Translate it on the Translations page."), "success")
    return redirect(url_for("survey.questions", slug=cycle.slug))


@bp.route("/admin/cycles/<slug>/survey-questions", methods=["GET", "POST"])
@staff_only
def questions(slug: str):
    """The cycle's own survey questions, after the standard ones: add, change or remove them
    until voting opens."""
    cycle = get_cycle_or_404(slug, include_draft=True)
    form = _question_form(cycle)
    if not form.validate_on_submit():
        return _questions_page(cycle, form)
    return _save_question(lambda: services.add_question(
        actor=current_user, cycle=cycle, text=form.text.data, options=form.options.data,
        multiple=form.multiple.data, locale=form.locale.data), cycle, form)


@bp.route("/admin/survey-questions/<id:question_id>/edit", methods=["GET", "POST"])
@staff_only
def edit_question(question_id: int):
    question = queries.get_question_or_404(question_id)
    cycle = db.session.get(Cycle, question.cycle_id)
    form = _question_form(cycle, question)
    if not form.validate_on_submit():
        return _questions_page(cycle, form, editing=question)
    return _save_question(lambda: services.edit_question(
        actor=current_user, question=question, text=form.text.data, options=form.options.data,
        multiple=form.multiple.data, locale=form.locale.data), cycle, form, question)


@bp.post("/admin/survey-questions/<id:question_id>/remove")
@staff_only
def remove_question(question_id: int):
    question = queries.get_question_or_404(question_id)
    then = url_for("survey.questions", slug=db.session.get(Cycle, question.cycle_id).slug)
    if not EmptyForm().validate_on_submit():
        return redirect(then)
    return run_action(lambda: services.remove_question(actor=current_user, question=question),
                      success=_("The question is removed."), then=then)


def _report(cycle, threshold: int) -> dict:
    answers = queries.responses(cycle)
    area = next((a for a in cycle.all_areas if a.slug == request.args.get("area")), None)
    asked = queries.all_questions(cycle, str(get_locale()))
    # Every area's view and every table of it are suppressed together: one view or table
    # subtracted from another gives nothing away (queries.linked_views).
    shown = [queries.linked_views(cycle, answers, q, threshold)[area.id if area else None] for q in asked]
    return {"cycle": cycle, "area": area, "min_cell": threshold, "closed": cycle.phase in queries.VOTING_OVER,
            "comparisons": [view.comparison for view in shown],
            "by_channel": {q.key: view.by_channel for q, view in zip(asked, shown, strict=True)},
            "by_language": {q.key: view.by_language for q, view in zip(asked, shown, strict=True)},
            "summaries": queries.summaries(cycle, answers, threshold), "names": queries.area_names(cycle)}


@bp.get("/admin/cycles/<slug>/equity")
@staff_only
def report(slug: str):
    """Participants beside residents, by area, channel, language and question (cells under 11 hidden)."""
    return render_template("survey/report.html", **_report(get_cycle_or_404(slug), STAFF_MIN))


@bp.get("/admin/cycles/<slug>/equity/charts")
@staff_only
def charts(slug: str):
    return render_template("survey/charts.html", **_report(get_cycle_or_404(slug), STAFF_MIN))


@bp.get("/admin/cycles/<slug>/turnout")
@staff_only
def turnout_page(slug: str):
    """Daily participation while voting, for cycles that opted in: never by project."""
    cycle = get_cycle_or_404(slug)
    tables = queries.turnout_tables(cycle, STAFF_MIN) if cycle.live_turnout else None
    return render_template("survey/turnout.html", cycle=cycle, tables=tables, min_cell=STAFF_MIN,
                           form=LiveTurnoutForm(on=cycle.live_turnout), names=queries.area_names(cycle))


@bp.post("/admin/cycles/<slug>/turnout")
@staff_only
def switch_turnout(slug: str):
    cycle = get_cycle_or_404(slug)
    form = LiveTurnoutForm()
    then = url_for("survey.turnout_page", slug=slug)
    if not form.validate_on_submit():
        return redirect(then)
    return run_action(lambda: services.switch_live_turnout(actor=current_user, cycle=cycle, on=form.on.data),
                      success=_("Live turnout is on.") if form.on.data else _("Live turnout is off."), then=then)


def _record(cycle) -> dict:
    """Every part of the community-benefit record, with public suppression (it is handed out)."""
    answers = queries.responses(cycle)
    snapshot = current_snapshot(cycle) if cycle.phase in (Phase.results, Phase.implementation) else None
    winners = set(snapshot.result["winners"]) if snapshot else set()
    funded = [p for p in db.session.scalars(select(Project).filter_by(cycle_id=cycle.id).order_by(Project.title))
              if str(p.id) in winners]
    updates = {p.id: list(db.session.scalars(select(ProgressUpdate).filter_by(project_id=p.id)
                                             .order_by(ProgressUpdate.created_at))) for p in funded}
    return {"cycle": cycle, "process": queries.process_facts(cycle), "snapshot": snapshot, "funded": funded,
            "updates": updates, "grants": grant_terms(funded), "seal": db.session.get(BoxSeal, cycle.id), "min_cell": PUBLIC_MIN,
            "ballots": turnout(cycle) if snapshot else None, "ideas": queries.idea_counts(cycle),
            "comparisons": queries.public_comparisons(cycle, answers, str(get_locale())) if snapshot else [],
            "summaries": queries.summaries(cycle, answers, PUBLIC_MIN) if snapshot else []}


@bp.get("/admin/cycles/<slug>/community-benefit")
@staff_only
def record(slug: str):
    """The community-benefit record as one printable page."""
    return render_template("survey/record.html", **_record(get_cycle_or_404(slug)))


@bp.get("/admin/cycles/<slug>/community-benefit.csv")
@staff_only
def record_csv(slug: str):
    cycle = get_cycle_or_404(slug)
    body = csv_text(queries.record_rows(**_record(cycle)))
    return Response(body, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{cycle.slug}-community-benefit.csv"'})
