"""Liaison pages: kiosk sessions on a shared device, and paper ballot batches."""

from __future__ import annotations

import secrets

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from pb import clock
from pb.accounts.access import roles
from pb.accounts.services import authenticate
from pb.cycles.models import Cycle
from pb.cycles.queries import get_cycle_or_404
from pb.db import db
from pb.enums import Channel, Role
from pb.errors import DomainError
from pb.i18n.content import Localized
from pb.i18n.labels import VOTED_VIA
from pb.kiosk import paper_services, queries, services
from pb.kiosk.forms import (
    CancelBatchForm,
    CheckInForm,
    ConfirmReceivedForm,
    DoubleEntryForm,
    ExitKioskForm,
    KioskReviewForm,
    OpenBatchForm,
    OpenKioskForm,
    PaperCheckInForm,
    SheetForm,
)
from pb.kiosk.mode import this_kiosk
from pb.kiosk.models import KioskSession, PaperBatch, Site
from pb.proposals.queries import ballot_projects
from pb.security.ratelimit import limit
from pb.survey.services import new_ticket as new_survey_ticket
from pb.survey.services import note_turnout
from pb.transaction import run_action, transaction
from pb.voting.ballot_flow import Submission, read_submission, render_submission
from pb.voting.ballot_form import read_ranking
from pb.voting.services import AlreadyVoted, PossibleMatch

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")
liaisons = roles(Role.liaison, Role.staff)
# In kiosk mode the shared device can reach only these pages.
KIOSK_MODE_ENDPOINTS = {"kiosk.start", "kiosk.check_in", "kiosk.ballot", "kiosk.review", "kiosk.project",
                        "kiosk.thanks", "kiosk.timeout", "kiosk.exit", "accounts.language", "static",
                        "survey.kiosk"}


# What a device keeps for the resident at its screen: their ballot in progress, then the
# tracker on the thanks screen and their survey ticket. The start screen drops them all.
RESIDENT_KEYS = ("kiosk_voter", "kiosk_tracker", "kiosk_survey")
# ... and for kiosk mode itself: the kiosk, and the start screen's one-time check-in form.
KIOSK_KEYS = ("kiosk", "kiosk_form", *RESIDENT_KEYS)


@bp.before_app_request
def _lock_to_kiosk():
    kiosk_id = session.get("kiosk")
    if kiosk_id and not current_user.is_authenticated:
        # The liaison's sign-in ended (expired, ended by staff, a new browser version): with no
        # account behind it kiosk mode protects nothing, and kept it would send the sign-in page
        # back to the kiosk for ever.
        for key in KIOSK_KEYS:
            session.pop(key, None)
        flash(_("The kiosk's sign-in has ended. The liaison must sign in again."), "info")
        return redirect(url_for("accounts.login"))
    if kiosk_id and request.endpoint == "cycles.project":  # "More about this project" on the ballot
        return redirect(url_for("kiosk.project", kiosk_id=kiosk_id, project_id=request.view_args["project_id"]))
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
    return _dashboard(OpenKioskForm())


def _dashboard(form: OpenKioskForm, status: int = 200):
    batch_form = OpenBatchForm(received_on=clock.today())
    form.site.choices = batch_form.site.choices = queries.site_choices()
    return render_template("kiosk/dashboard.html", form=form, batch_form=batch_form,
                           batches=queries.open_batches(),
                           sessions=queries.my_open_sessions(current_user.id)), status


@bp.post("/sessions")
@liaisons
def open_kiosk():
    form = OpenKioskForm()
    form.site.choices = queries.site_choices()
    if not form.validate_on_submit():
        if form.site.errors:
            form.site.errors[:] = [_("Choose a site from the list.")]
        return _dashboard(form, 400)
    site = queries.get_or_404(Site, int(form.site.data))
    session.setdefault("device", secrets.token_hex(16))
    try:
        with transaction():
            kiosk = services.open_session(actor=current_user, cycle=db.session.get(Cycle, site.cycle_id),
                                          site=site, device_token=session["device"], pin=form.pin.data)
    except DomainError as error:
        (form.pin.errors if isinstance(error, services.WeakPin) else form.site.errors).append(str(error))
        return _dashboard(form, 400)
    session["kiosk"] = kiosk.id
    return redirect(url_for("kiosk.start", kiosk_id=kiosk.id))


def _start_screen(kiosk, form=None, status=200, matches=None):
    form = form or CheckInForm()
    cycle = db.session.get(Cycle, kiosk.cycle_id)
    form.area.choices = [("", "—")] + [(a.slug, a.name) for a in cycle.areas]
    # Each check-in form can be sent once: Back and "resubmit" in the browser's history (with
    # the PIN in it) cannot check anyone in again.
    session["kiosk_form"] = once = secrets.token_urlsafe(16)
    # A refusal or a possible match names a person: it goes after the idle limit, so the next
    # resident does not read whether they voted.
    shows_person = status != 200 or matches
    return render_template("kiosk/start.html", kiosk=kiosk, cycle=cycle, form=form, matches=matches,
                           voted_via=VOTED_VIA, pin_locked=services.pin_locked(kiosk), once=once,
                           timeout_url=url_for("kiosk.start", kiosk_id=kiosk.id) if shows_person else None), status


@bp.get("/<id:kiosk_id>/")
@liaisons
def start(kiosk_id: int):
    kiosk = this_kiosk(kiosk_id, closed_too=True)
    _forget_tracker()  # "Done" on the thanks screen, or its idle refresh, lands here
    for key in RESIDENT_KEYS:  # whatever the last person left is gone (their survey too)
        session.pop(key, None)
    if kiosk.closed_at is not None:  # staff closed it: only the liaison's password gets out
        return _exit_screen(kiosk, ExitKioskForm())
    return _start_screen(kiosk)


@bp.post("/<id:kiosk_id>/check-in")
@liaisons
def check_in(kiosk_id: int):
    kiosk = this_kiosk(kiosk_id)
    form = CheckInForm()
    cycle = db.session.get(Cycle, kiosk.cycle_id)
    form.area.choices = [(a.slug, a.name) for a in cycle.areas]
    if not form.validate_on_submit():
        return _start_screen(kiosk, form, 400)
    once = session.pop("kiosk_form", None)
    if once is None or not secrets.compare_digest(request.form.get("once", ""), once):
        flash(_("That check-in screen was already used, so it was closed. Please fill it in again."), "info")
        return redirect(url_for("kiosk.start", kiosk_id=kiosk.id))
    area = next(a for a in cycle.areas if a.slug == form.area.data)
    with transaction():  # a wrong PIN is counted even though nothing else happens
        pin_right = services.check_pin(actor=current_user, kiosk=kiosk, pin=form.pin.data)
    if not pin_right:
        if not services.pin_locked(kiosk):
            form.pin.errors.append(_("That PIN is not right."))
        return _start_screen(kiosk, form, 403)
    try:
        with transaction():
            credential = services.check_in(actor=current_user, kiosk=kiosk, name=form.name.data,
                                           birth_date=form.birth_date.data, area=area, today=clock.today(),
                                           decision=form.decision.data, reason=form.reason.data)
    except PossibleMatch as error:  # the liaison sees where the match voted, never how
        return _start_screen(kiosk, form, 409, matches=error.matches)
    except DomainError as error:
        form.name.errors.append(str(error))
        return _start_screen(kiosk, form, 409 if isinstance(error, AlreadyVoted) else 400)
    if credential is None:
        flash(_("Saved: the same person has already voted, so no ballot was given."), "info")
        return redirect(url_for("kiosk.start", kiosk_id=kiosk.id))
    session["kiosk_voter"] = {"credential": credential, "seen": clock.timestamp()}
    return redirect(url_for("kiosk.ballot", kiosk_id=kiosk.id))


# ---- one resident's ballot: rank (GET) -> POST -> review (GET) -> POST -> thanks (GET) ----------
# The ranking lives only in this device's session, under the check-in's one-time nonce, and
# never in a URL or a replayable form: every page takes the nonce from the URL's `n` and is
# refused (sent to the current resident's ballot) when it belongs to an earlier check-in.

def begin_kiosk_voter(credential: str) -> None:
    """Start a resident's turn: a fresh nonce, no draft, nothing left from the last person."""
    session["kiosk_voter"] = {"credential": credential, "seen": clock.timestamp(), "nonce": secrets.token_urlsafe(16)}


def _turn(kiosk_id: int):
    """(kiosk, cycle, voter) for the resident now at the screen, or a redirect away."""
    kiosk = this_kiosk(kiosk_id)
    cycle = db.session.get(Cycle, kiosk.cycle_id)
    voter = session.get("kiosk_voter")
    if voter is None:
        return kiosk, cycle, redirect(url_for("kiosk.start", kiosk_id=kiosk_id))
    if clock.timestamp() - voter["seen"] > cycle.kiosk_idle_seconds:
        return kiosk, cycle, timeout(kiosk_id)
    voter = voter | {"seen": clock.timestamp(), "nonce": voter.get("nonce") or secrets.token_urlsafe(16)}
    session["kiosk_voter"] = voter
    if request.args.get("n") != voter["nonce"]:
        if "n" in request.args or request.method == "POST":
            flash(_("That screen belonged to an earlier check-in, so it was closed."), "info")
        return kiosk, cycle, redirect(url_for("kiosk.ballot", kiosk_id=kiosk_id, n=voter["nonce"]))
    return kiosk, cycle, voter


def _to(endpoint: str, kiosk_id: int, voter: dict, **changes):
    session["kiosk_voter"] = voter | changes
    return redirect(url_for(endpoint, kiosk_id=kiosk_id, n=voter["nonce"]))


@bp.route("/<id:kiosk_id>/ballot", methods=["GET", "POST"])
@liaisons
def ballot(kiosk_id: int):
    kiosk, cycle, voter = _turn(kiosk_id)
    if not isinstance(voter, dict):
        return voter
    projects = ballot_projects(cycle)
    if request.method == "POST":
        submission = read_submission(cycle, projects)
        # Every choice as made, and the fields at fault, come back with the ballot (the session
        # is JSON, so ranks travel as [project, rank] pairs).
        kept = {"draft": submission.ranking, "ranks": sorted((submission.ranks or {}).items()) or None,
                "invalid": list(submission.invalid)}
        if submission.error or submission.step == "edit":
            return _to("kiosk.ballot", kiosk_id, voter, error=submission.error, **kept)
        return _to("kiosk.review", kiosk_id, voter, error=None, **kept)
    session["kiosk_voter"] = voter | {"error": None}  # an error is shown once
    submission = Submission(ranking=voter.get("draft") or [], error=voter.get("error"),
                            ranks={int(pid): rank for pid, rank in voter["ranks"]} if voter.get("ranks") else None,
                            invalid=tuple(voter.get("invalid") or ()))
    return render_submission(cycle, projects, submission, layout="kiosk/base.html",
                             timeout_url=url_for("kiosk.timeout", kiosk_id=kiosk_id))


@bp.route("/<id:kiosk_id>/review", methods=["GET", "POST"])
@liaisons
def review(kiosk_id: int):
    kiosk, cycle, voter = _turn(kiosk_id)
    if not isinstance(voter, dict):
        return voter
    if not voter.get("draft"):
        return _to("kiosk.ballot", kiosk_id, voter)
    form = KioskReviewForm()
    if request.method == "POST":
        if form.validate_on_submit() and form.step.data == "cast":
            return _cast(kiosk, voter)
        return _to("kiosk.ballot", kiosk_id, voter)
    by_id = {p.id: p for p in ballot_projects(cycle)}
    return render_template("kiosk/review.html", kiosk=kiosk, cycle=cycle, form=form,
                           ranked=[by_id[pid] for pid in voter["draft"] if pid in by_id],
                           tr=Localized([cycle, *by_id.values()], str(get_locale())),
                           timeout_url=url_for("kiosk.timeout", kiosk_id=kiosk_id))


def _cast(kiosk, voter: dict):
    try:
        with transaction():
            tracker = services.cast_at_kiosk(kiosk=kiosk, credential=voter["credential"],
                                             ranking=voter["draft"], locale=str(get_locale()))
            note_turnout(cycle=db.session.get(Cycle, kiosk.cycle_id), channel=Channel.kiosk,
                         locale=str(get_locale()), credential=voter["credential"])  # staff-only, opt-in
    except AlreadyVoted:
        _end_turn()
        flash(_("A ballot was already cast for this person, so nothing was changed."), "error")
        return redirect(url_for("kiosk.start", kiosk_id=kiosk.id))
    except DomainError as error:
        return _to("kiosk.ballot", kiosk.id, voter, error=str(error))
    _end_turn()
    # Shown until the resident presses Done or the screen sits idle (see thanks); the survey
    # ticket is issued here, once per ballot, however often the thanks screen is reloaded.
    session["kiosk_tracker"] = {"code": tracker, "at": clock.timestamp()}
    session["kiosk_survey"] = new_survey_ticket(db.session.get(Cycle, kiosk.cycle_id), Channel.kiosk,
                                                str(get_locale()))  # pb.survey
    return redirect(url_for("kiosk.thanks", kiosk_id=kiosk.id))


def _end_turn(*, keep_language: bool = True) -> None:
    """Forget the ballot of the resident who just finished (and their language, unless kept).
    Only their ballot: the tracker and survey ticket given after it stay for the thanks and
    survey screens, and the start screen drops every RESIDENT_KEYS."""
    session.pop("kiosk_voter", None)
    if not keep_language:
        session.pop("locale", None)


@bp.get("/<id:kiosk_id>/projects/<id:project_id>")
@liaisons
def project(kiosk_id: int, project_id: int):
    """A ballot project's page inside the kiosk, so reading it keeps the resident's check-in."""
    kiosk = this_kiosk(kiosk_id)
    cycle = db.session.get(Cycle, kiosk.cycle_id)
    item = next((p for p in ballot_projects(cycle) if p.id == project_id), None)
    if item is None:
        return redirect(url_for("kiosk.start", kiosk_id=kiosk_id))
    voter = session.get("kiosk_voter")
    back = url_for("kiosk.ballot", kiosk_id=kiosk_id, n=voter.get("nonce")) if voter else \
        url_for("kiosk.start", kiosk_id=kiosk_id)
    return render_template("kiosk/project.html", kiosk=kiosk, cycle=cycle, project=item, back=back,
                           tr=Localized([cycle, item], str(get_locale())))


@bp.get("/<id:kiosk_id>/thanks")
@liaisons
def thanks(kiosk_id: int):
    """The tracker, in the resident's language, until they press Done; after the kiosk's idle
    limit the page refreshes itself to the start (a meta refresh: no JavaScript needed), and a
    later request no longer shows it, so the next person never sees it."""
    kiosk = this_kiosk(kiosk_id)
    cycle = db.session.get(Cycle, kiosk.cycle_id)
    tracker = session.get("kiosk_tracker")
    left = cycle.kiosk_idle_seconds - (clock.timestamp() - tracker["at"]) if isinstance(tracker, dict) else 0
    if left <= 0:
        _forget_tracker()
        return redirect(url_for("kiosk.start", kiosk_id=kiosk_id))
    response = render_template("kiosk/thanks.html", kiosk=kiosk, cycle=cycle, tracker=tracker["code"],
                               refresh_seconds=max(1, int(left)), idle_seconds=cycle.kiosk_idle_seconds,
                               timeout_url=url_for("kiosk.start", kiosk_id=kiosk_id))
    return response, 200, {"Clear-Site-Data": '"cache", "storage"'}


def _forget_tracker() -> None:
    """The last resident has finished: drop their tracker and their language."""
    if session.pop("kiosk_tracker", None) is not None:
        _end_turn(keep_language=False)


@bp.get("/<id:kiosk_id>/timeout")
@liaisons
def timeout(kiosk_id: int):
    this_kiosk(kiosk_id, closed_too=True)
    if session.get("kiosk_voter") is not None:
        _end_turn(keep_language=False)
        flash(_("The unfinished ballot was discarded because nobody used the screen for a while."), "info")
    return redirect(url_for("kiosk.start", kiosk_id=kiosk_id))


@bp.route("/<id:kiosk_id>/exit", methods=["GET", "POST"])
@liaisons
def exit(kiosk_id: int):
    kiosk = this_kiosk(kiosk_id, closed_too=True)
    form = ExitKioskForm()
    if form.validate_on_submit():
        limit(f"kiosk-exit:{current_user.id}", 10, 900)  # guessing the liaison's password
        with transaction():  # counted like a sign-in: wrong ones lock the account for a while
            right = authenticate(current_user.email, form.password.data) is not None
        if right:
            with transaction():
                services.close_session(actor=current_user, kiosk=kiosk)
            session.pop("kiosk", None)
            _end_turn(keep_language=False)
            return render_template("kiosk/closed.html", kiosk=kiosk)
        form.password.errors.append(_("That password is not right."))
    return _exit_screen(kiosk, form)


def _exit_screen(kiosk: KioskSession, form: ExitKioskForm):
    return render_template("kiosk/exit.html", kiosk=kiosk, form=form,
                           closed=kiosk.closed_at is not None), 400 if form.errors else 200


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


def _batch_page(batch, form=None, error=None, status=200, **forms):
    cycle = db.session.get(Cycle, batch.cycle_id)
    check_in_form = forms.pop("check_in_form", None) or PaperCheckInForm()
    check_in_form.area.choices = [("", "—")] + [(a.slug, a.name) for a in cycle.areas]
    projects = ballot_projects(cycle)
    tr = Localized(projects, str(get_locale()))  # the typist's language; numbers as on the paper
    return render_template("kiosk/batch.html", batch=batch, cycle=cycle, form=form or SheetForm(),
                           projects=projects, tr=tr, titles={p.id: tr(p, "title").text for p in projects}, error=error,
                           totals=paper_services.reconciliation(batch), is_mismatch=paper_services.is_mismatch,
                           first_reading=paper_services.first_reading, check_in_form=check_in_form,
                           confirm_form=forms.pop("confirm_form", None) or ConfirmReceivedForm(),
                           cancel_form=forms.pop("cancel_form", None) or CancelBatchForm(),
                           matches=forms.pop("matches", None), voted_via=VOTED_VIA), status


def _batch_action(batch, form, change, success: str, **page):
    """Run one form's change on a batch: redirect with a message, or the page with the error."""
    if not form.validate_on_submit():
        return _batch_page(batch, status=400, error=_("Check the form and try again."), **page)

    def page_again(error: DomainError):
        if isinstance(error, PossibleMatch):  # the liaison sees where the match voted, never how
            return _batch_page(batch, status=409, matches=error.matches, **page)
        return _batch_page(batch, error=str(error), status=409 if isinstance(
            error, paper_services.TwoPersonRule | AlreadyVoted) else 400, **page)

    return run_action(change, success=success, refused=page_again, then=url_for("kiosk.batch", batch_id=batch.id))


@bp.get("/paper/<id:batch_id>")
@liaisons
def batch(batch_id: int):
    return _batch_page(queries.get_or_404(PaperBatch, batch_id))


@bp.post("/paper/<id:batch_id>/confirm")
@liaisons
def confirm_received(batch_id: int):
    batch, form = queries.get_or_404(PaperBatch, batch_id), ConfirmReceivedForm()
    return _batch_action(batch, form, lambda: paper_services.confirm_received(
        actor=current_user, batch=batch, received_count=form.received_count.data),
        _("The number of sheets is confirmed."), confirm_form=form)


@bp.post("/paper/<id:batch_id>/check-ins")
@liaisons
def add_paper_check_in(batch_id: int):
    batch, form = queries.get_or_404(PaperBatch, batch_id), PaperCheckInForm()
    cycle = db.session.get(Cycle, batch.cycle_id)
    form.area.choices = [(a.slug, a.name) for a in cycle.areas]
    area = next((a for a in cycle.areas if a.slug == form.area.data), None)
    return _batch_action(batch, form, lambda: paper_services.add_check_in(
        actor=current_user, batch=batch, name=form.name.data, birth_date=form.birth_date.data,
        area=area, today=clock.today(), decision=form.decision.data, reason=form.reason.data),
        _("Added to the check-in list."), check_in_form=form)


@bp.post("/paper/<id:batch_id>/cancel")
@liaisons
def cancel_batch(batch_id: int):
    batch, form = queries.get_or_404(PaperBatch, batch_id), CancelBatchForm()
    return _batch_action(batch, form, lambda: paper_services.cancel_batch(
        actor=current_user, batch=batch, reason=form.reason.data),
        _("The batch is cancelled. None of its sheets will be counted."), cancel_form=form)


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


@bp.route("/paper/cycles/<slug>/double-entry", methods=["GET", "POST"])
@roles(Role.staff)
def double_entry(slug: str):
    """Staff choose, before voting, whether paper sheets must be typed twice (audited)."""
    cycle = get_cycle_or_404(slug)
    form = DoubleEntryForm(required=cycle.paper_double_entry)
    if form.validate_on_submit():
        return run_action(lambda: paper_services.set_paper_double_entry(
            actor=current_user, cycle=cycle, required=form.required.data),
            success=_("The paper ballot setting is saved."), then=url_for("kiosk.double_entry", slug=slug))
    return render_template("kiosk/double_entry.html", cycle=cycle, form=form)
