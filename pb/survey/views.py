"""The survey after a ballot (online and at a kiosk), paper survey batches, and the public
equity page. Staff pages are in staff_views on the same blueprint."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from pb import clock
from pb.accounts.access import public, roles
from pb.cycles.models import Cycle
from pb.cycles.queries import get_cycle_or_404
from pb.db import db
from pb.enums import Phase, Role
from pb.errors import DomainError, WrongPhase
from pb.kiosk.mode import this_kiosk
from pb.results.queries import published_or_404
from pb.survey import queries, services
from pb.survey.forms import EmptyForm, raw_answers, survey_form
from pb.survey.questions import QUESTIONS
from pb.survey.suppression import PUBLIC_MIN
from pb.transaction import run_action, transaction

bp = Blueprint("survey", __name__)
liaisons = roles(Role.liaison, Role.staff)


@bp.after_request
def _no_store(response):
    # Survey pages hold a one-time ticket and a person's answers; shared devices keep nothing.
    response.headers["Cache-Control"] = "no-store"
    return response


def _form(cycle: Cycle, locale: str):
    """The survey form and its questions: the standard ones, then the cycle's own in `locale`."""
    own = queries.own_questions(cycle, locale)
    return survey_form([(a.slug, a.name) for a in cycle.areas], own), (*QUESTIONS, *own)


def _answer(cycle: Cycle, ticket: dict, form, questions, locale: str):
    """Store the answers; (error message or None, whether the ticket is now spent)."""
    try:
        with transaction():
            services.submit_response(cycle=cycle, ticket=ticket, raw=raw_answers(form, questions), locale=locale)
    except (services.AlreadyAnswered, WrongPhase) as error:
        return str(error), True
    except DomainError as error:
        return str(error), False
    return None, True


@bp.route("/cycles/<slug>/survey", methods=["GET", "POST"])
@public
def online(slug: str):
    """The optional survey offered once on the "thank you for voting" page."""
    cycle = get_cycle_or_404(slug)
    ticket = session.get("survey")
    if not ticket or ticket.get("cycle") != cycle.id:
        return render_template("survey/none.html", cycle=cycle)
    (form, questions), error = _form(cycle, str(get_locale())), None
    if form.validate_on_submit():
        error, spent = _answer(cycle, ticket, form, questions, str(get_locale()))
        if spent:
            session.pop("survey", None)
            flash(error or _("Thank you for answering the survey."), "error" if error else "success")
            return redirect(url_for("cycles.detail", slug=slug))
    status = 400 if form.is_submitted() else 200
    return render_template("survey/form.html", cycle=cycle, form=form, error=error, questions=questions,
                           skip=url_for("cycles.detail", slug=slug)), status


def _kiosk_ticket(kiosk_id: int):
    """(kiosk, cycle, ticket) for this device's open kiosk; the ticket only while the screen is
    in use (each page and answer moves its idle time on)."""
    kiosk = this_kiosk(kiosk_id)  # another kiosk or a closed one: this kiosk's start says what to do
    cycle = db.session.get(Cycle, kiosk.cycle_id)
    ticket = session.get("kiosk_survey")
    if ticket and (ticket.get("cycle") != cycle.id or clock.timestamp() - ticket["seen"] > cycle.kiosk_idle_seconds):
        session.pop("kiosk_survey", None)  # the next resident cannot answer for the last one
        flash(_("The survey was closed because nobody used the screen for a while."), "info")
        ticket = None
    if ticket:
        ticket = session["kiosk_survey"] = ticket | {"seen": clock.timestamp()}
    return kiosk, cycle, ticket


@bp.route("/kiosk/<id:kiosk_id>/survey", methods=["GET", "POST"])
@liaisons
def kiosk(kiosk_id: int):
    """The same survey on the kiosk, in the language the resident voted in."""
    kiosk, cycle, ticket = _kiosk_ticket(kiosk_id)
    if ticket is None:
        return redirect(url_for("kiosk.start", kiosk_id=kiosk_id))
    with force_locale(ticket["locale"] or cycle.locale):
        (form, questions), error = _form(cycle, ticket["locale"] or cycle.locale), None
        if form.validate_on_submit():
            error, spent = _answer(cycle, ticket, form, questions, ticket["locale"])
            if spent:
                session.pop("kiosk_survey", None)
                flash(error or _("Thank you for answering the survey."), "error" if error else "success")
                return redirect(url_for("kiosk.start", kiosk_id=kiosk_id))
        page = render_template("survey/form.html", cycle=cycle, form=form, error=error, questions=questions,
                               layout="kiosk/base.html", skip=url_for("kiosk.start", kiosk_id=kiosk_id),
                               timeout_url=url_for("kiosk.start", kiosk_id=kiosk_id))
    return page, 400 if form.is_submitted() else 200


@bp.route("/kiosk/paper-surveys/cycles/<slug>", methods=["GET", "POST"])
@liaisons
def paper(slug: str):
    """A liaison's open paper survey batches, and a button to open one."""
    cycle = get_cycle_or_404(slug)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            with transaction():
                batch = services.open_survey_batch(actor=current_user, cycle=cycle)
        except DomainError as error:
            flash(str(error), "error")
        else:
            return redirect(url_for("survey.paper_batch", survey_batch_id=batch.id))
    return render_template("survey/paper.html", cycle=cycle, form=form, voting=cycle.phase == Phase.voting,
                           batches=queries.open_batches(cycle, current_user.id)), 400 if form.is_submitted() else 200


@bp.route("/kiosk/paper-surveys/<id:survey_batch_id>", methods=["GET", "POST"])
@liaisons
def paper_batch(survey_batch_id: int):
    """Type one paper survey form; the page comes back empty for the next one."""
    batch = queries.get_batch_or_404(survey_batch_id)
    cycle = db.session.get(Cycle, batch.cycle_id)
    (form, questions), error = _form(cycle, str(get_locale())), None
    if form.validate_on_submit():
        try:
            with transaction():
                services.enter_paper_survey(actor=current_user, batch=batch, raw=raw_answers(form, questions))
        except DomainError as e:
            error = str(e)
        else:
            flash(_("Saved. Type the next form."), "success")
            return redirect(url_for("survey.paper_batch", survey_batch_id=batch.id))
    return render_template("survey/paper_batch.html", cycle=cycle, batch=batch, form=form, error=error,
                           questions=questions, close_form=EmptyForm()), 400 if form.is_submitted() else 200


@bp.post("/kiosk/paper-surveys/<id:survey_batch_id>/close")
@liaisons
def close_paper(survey_batch_id: int):
    batch = queries.get_batch_or_404(survey_batch_id)
    cycle = db.session.get(Cycle, batch.cycle_id)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("survey.paper_batch", survey_batch_id=batch.id))
    return run_action(lambda: services.close_survey_batch(actor=current_user, batch=batch),
                      success=_("The batch is closed."), then=url_for("survey.paper", slug=cycle.slug))


@bp.get("/cycles/<slug>/equity")
@public
def equity(slug: str):
    """Who took part, beside who lives there, once the result is published (cells under 20 hidden)."""
    cycle = get_cycle_or_404(slug)
    published_or_404(cycle)
    answers = queries.responses(cycle)
    return render_template("survey/equity.html", cycle=cycle, min_cell=PUBLIC_MIN,
                           comparisons=queries.public_comparisons(cycle, answers, str(get_locale())),
                           summaries=queries.summaries(cycle, answers, PUBLIC_MIN))


from pb.survey import staff_views  # noqa: E402,F401  (staff routes on this blueprint)
