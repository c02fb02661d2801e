"""Liaison pages: kiosk sessions on a shared device, and paper ballot batches."""

from __future__ import annotations

import secrets
import time
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.security import check_password_hash

from pb.accounts.access import roles
from pb.cycles.models import Cycle
from pb.db import db
from pb.enums import Role
from pb.errors import DomainError
from pb.kiosk import paper_services, queries, services
from pb.kiosk.forms import CheckInForm, ExitKioskForm, OpenBatchForm, OpenKioskForm, SheetForm
from pb.kiosk.models import KioskSession, PaperBatch, Site
from pb.proposals.queries import ballot_projects
from pb.security.ratelimit import limit
from pb.transaction import run_action, transaction
from pb.voting.ballot_flow import read_submission, render_submission
from pb.voting.ballot_form import read_ranking
from pb.voting.services import AlreadyVoted

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")
liaisons = roles(Role.liaison, Role.staff)
# In kiosk mode the shared device can reach only these pages.
KIOSK_MODE_ENDPOINTS = {"kiosk.start", "kiosk.check_in", "kiosk.ballot", "kiosk.thanks",
                        "kiosk.timeout", "kiosk.exit", "accounts.language", "static"}


@bp.before_app_request
def _lock_to_kiosk():
    kiosk_id = session.get("kiosk")
    if kiosk_id and request.endpoint not in KIOSK_MODE_ENDPOINTS:
        return redirect(url_for("kiosk.start", kiosk_id=kiosk_id))
    return None


@bp.after_app_request
def _no_store(response):
    if session.get("kiosk") or (request.endpoint or "").startswith("kiosk."):
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
@liaisons
def dashboard():
    form, batch_form = OpenKioskForm(), OpenBatchForm(received_on=date.today())
    form.site.choices = batch_form.site.choices = queries.site_choices()
    return render_template("kiosk/dashboard.html", form=form, batch_form=batch_form,
                           batches=queries.open_batches(),
                           sessions=queries.my_open_sessions(current_user.id))


@bp.post("/sessions")
@liaisons
def open_kiosk():
    form = OpenKioskForm()
    form.site.choices = queries.site_choices()
    if not form.validate_on_submit():
        flash(_("Choose a site from the list."), "error")
        return redirect(url_for("kiosk.dashboard"))
    site = queries.get_or_404(Site, int(form.site.data))
    session.setdefault("device", secrets.token_hex(16))
    with transaction():
        kiosk = services.open_session(actor=current_user, cycle=db.session.get(Cycle, site.cycle_id),
                                      site=site, device_token=session["device"])
    session["kiosk"] = kiosk.id
    return redirect(url_for("kiosk.start", kiosk_id=kiosk.id))


def _kiosk(kiosk_id: int) -> KioskSession:
    kiosk = queries.get_or_404(KioskSession, kiosk_id)
    if session.get("kiosk") != kiosk.id or kiosk.closed_at is not None:
        session.pop("kiosk", None)
        queries.get_or_404(KioskSession, 0)  # not this device's open kiosk: 404
    return kiosk


def _start_screen(kiosk, form=None, status=200):
    form = form or CheckInForm()
    cycle = db.session.get(Cycle, kiosk.cycle_id)
    form.area.choices = [("", "—")] + [(a.slug, a.name) for a in cycle.areas]
    return render_template("kiosk/start.html", kiosk=kiosk, cycle=cycle, form=form), status


@bp.get("/<id:kiosk_id>/")
@liaisons
def start(kiosk_id: int):
    kiosk = _kiosk(kiosk_id)
    session.pop("kiosk_voter", None)  # whatever the last person left is gone
    return _start_screen(kiosk)


@bp.post("/<id:kiosk_id>/check-in")
@liaisons
def check_in(kiosk_id: int):
    kiosk = _kiosk(kiosk_id)
    form = CheckInForm()
    cycle = db.session.get(Cycle, kiosk.cycle_id)
    form.area.choices = [(a.slug, a.name) for a in cycle.areas]
    if not form.validate_on_submit():
        return _start_screen(kiosk, form, 400)
    area = next(a for a in cycle.areas if a.slug == form.area.data)
    try:
        with transaction():
            credential = services.check_in(kiosk=kiosk, name=form.name.data, birth_date=form.birth_date.data,
                                           area=area, today=date.today())
    except DomainError as error:
        form.name.errors.append(str(error))
        return _start_screen(kiosk, form, 409 if isinstance(error, AlreadyVoted) else 400)
    session["kiosk_voter"] = {"credential": credential, "seen": time.time()}
    return redirect(url_for("kiosk.ballot", kiosk_id=kiosk.id))


@bp.route("/<id:kiosk_id>/ballot", methods=["GET", "POST"])
@liaisons
def ballot(kiosk_id: int):
    kiosk = _kiosk(kiosk_id)
    cycle = db.session.get(Cycle, kiosk.cycle_id)
    voter = session.get("kiosk_voter")
    if voter is None or time.time() - voter["seen"] > cycle.kiosk_idle_seconds:
        return timeout(kiosk_id) if voter else redirect(url_for("kiosk.start", kiosk_id=kiosk_id))
    session["kiosk_voter"] = voter | {"seen": time.time()}
    projects = ballot_projects(cycle)
    submission = read_submission(cycle, projects)
    if submission.step == "cast":
        try:
            with transaction():
                tracker = services.cast_at_kiosk(kiosk=kiosk, credential=voter["credential"],
                                                 ranking=submission.ranking, locale=str(get_locale()))
        except AlreadyVoted:
            session.pop("kiosk_voter", None)
            flash(_("A ballot was already cast for this person, so nothing was changed."), "error")
            return redirect(url_for("kiosk.start", kiosk_id=kiosk_id))
        except DomainError as error:
            submission = submission.refused(str(error))
        else:
            session.pop("kiosk_voter", None)
            session["kiosk_tracker"] = tracker
            return redirect(url_for("kiosk.thanks", kiosk_id=kiosk_id))
    return render_submission(cycle, projects, submission, layout="kiosk/base.html",
                             timeout_url=url_for("kiosk.timeout", kiosk_id=kiosk_id))


@bp.get("/<id:kiosk_id>/thanks")
@liaisons
def thanks(kiosk_id: int):
    kiosk = _kiosk(kiosk_id)
    tracker = session.pop("kiosk_tracker", None)
    if tracker is None:
        return redirect(url_for("kiosk.start", kiosk_id=kiosk_id))
    response = render_template("kiosk/thanks.html", kiosk=kiosk, tracker=tracker)
    return response, 200, {"Clear-Site-Data": '"cache", "storage"'}


@bp.get("/<id:kiosk_id>/timeout")
@liaisons
def timeout(kiosk_id: int):
    _kiosk(kiosk_id)
    if session.pop("kiosk_voter", None) is not None:
        flash(_("The unfinished ballot was discarded because nobody used the screen for a while."), "info")
    return redirect(url_for("kiosk.start", kiosk_id=kiosk_id))


@bp.route("/<id:kiosk_id>/exit", methods=["GET", "POST"])
@liaisons
def exit(kiosk_id: int):
    kiosk = _kiosk(kiosk_id)
    form = ExitKioskForm()
    if form.validate_on_submit():
        limit(f"kiosk-exit:{current_user.id}", 10, 900)  # guessing the liaison's password
        if check_password_hash(current_user.password_hash, form.password.data):
            with transaction():
                services.close_session(actor=current_user, kiosk=kiosk)
            session.pop("kiosk", None)
            session.pop("kiosk_voter", None)
            return render_template("kiosk/closed.html", kiosk=kiosk)
        form.password.errors.append(_("That password is not right."))
    return render_template("kiosk/exit.html", kiosk=kiosk, form=form), 400 if form.errors else 200


# ---- paper batches ---------------------------------------------------------------------

@bp.post("/paper")
@liaisons
def open_batch():
    form = OpenBatchForm()
    form.site.choices = queries.site_choices()
    if form.validate_on_submit():
        site = queries.get_or_404(Site, int(form.site.data))
        try:
            with transaction():
                batch = paper_services.open_batch(actor=current_user, cycle=db.session.get(Cycle, site.cycle_id),
                                                  site=site, received_on=form.received_on.data,
                                                  received_count=form.received_count.data)
            return redirect(url_for("kiosk.batch", batch_id=batch.id))
        except DomainError as error:
            flash(str(error), "error")
    else:
        flash(_("Check the batch details: site, date and a number of ballots from 1 to 5000."), "error")
    return redirect(url_for("kiosk.dashboard"))


def _batch_page(batch, form=None, error=None, status=200):
    cycle = db.session.get(Cycle, batch.cycle_id)
    return render_template("kiosk/batch.html", batch=batch, cycle=cycle, form=form or SheetForm(),
                           projects=ballot_projects(cycle), error=error,
                           totals=paper_services.reconciliation(batch),
                           is_mismatch=paper_services.is_mismatch), status


@bp.get("/paper/<id:batch_id>")
@liaisons
def batch(batch_id: int):
    return _batch_page(queries.get_or_404(PaperBatch, batch_id))


@bp.post("/paper/<id:batch_id>/sheets")
@liaisons
def enter_sheet(batch_id: int):
    batch = queries.get_or_404(PaperBatch, batch_id)
    form = SheetForm()
    if not form.validate_on_submit():
        return _batch_page(batch, form, status=400)
    cycle = db.session.get(Cycle, batch.cycle_id)
    try:
        invalid = form.invalid_reason.data or ""
        ranking = [] if invalid.strip() else read_ranking(
            request.form, {p.id for p in ballot_projects(cycle)}, cycle.max_ranks)
        action = paper_services.resolve_sheet if form.resolve.data else paper_services.enter_sheet
        with transaction():
            action(actor=current_user, batch=batch, sheet_no=form.sheet_no.data, ranking=ranking,
                   invalid_reason=invalid)
    except DomainError as error:
        return _batch_page(batch, form, error=str(error), status=400)
    flash(_("Sheet %(n)s saved.", n=form.sheet_no.data), "success")
    return redirect(url_for("kiosk.batch", batch_id=batch_id))


@bp.post("/paper/<id:batch_id>/close")
@liaisons
def close_batch(batch_id: int):
    batch = queries.get_or_404(PaperBatch, batch_id)
    return run_action(lambda: paper_services.close_batch(actor=current_user, batch=batch),
                      success=_("The batch is closed and its ballots are in the box."),
                      then=url_for("kiosk.batch", batch_id=batch_id))
