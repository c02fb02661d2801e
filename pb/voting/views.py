"""Online voting: get a credential (access code or verified registration), rank, review, cast."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from pb.accounts.access import public
from pb.cycles.models import Cycle
from pb.cycles.queries import get_cycle_or_404
from pb.db import db
from pb.enums import Channel, Phase
from pb.errors import DomainError
from pb.i18n.content import Localized
from pb.mail import send_mail
from pb.proposals.queries import ballot_projects
from pb.security.ratelimit import device_key, limit
from pb.transaction import transaction
from pb.voting import services
from pb.voting.ballot_flow import read_submission, render_submission
from pb.voting.forms import AccessCodeForm, RegisterForm, TrackerForm
from pb.voting.models import Ballot, BoxSeal

bp = Blueprint("voting", __name__, url_prefix="/cycles/<slug>")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="voter-email")


def _credential(cycle: Cycle) -> str | None:
    voter = session.get("voter") or {}
    return voter.get("credential") if voter.get("cycle") == cycle.id else None


def _open_cycle(slug: str) -> Cycle:
    cycle = get_cycle_or_404(slug)
    if cycle.phase != Phase.voting:
        flash(_("Voting is not open in this cycle."), "error")
    return cycle


def _start_page(cycle, code_form=None, register_form=None, status=200):
    register_form = register_form or RegisterForm()
    tr = Localized([*cycle.areas], str(get_locale()))
    register_form.area.choices = [("", "—")] + [(a.slug, tr(a, "name").text) for a in cycle.areas]
    code_form = code_form or AccessCodeForm(code=request.args.get("code", ""))
    return render_template("voting/start.html", cycle=cycle, code_form=code_form,
                           register_form=register_form), status


@bp.get("/vote")
@public
def start(slug: str):
    cycle = _open_cycle(slug)
    if cycle.phase == Phase.voting and _credential(cycle):
        return redirect(url_for("voting.ballot", slug=slug))
    return _start_page(cycle)


@bp.post("/vote/code")
@public
def use_code(slug: str):
    limit(f"code-device:{device_key()}", 30, 600)  # codes have ~59 bits; this stops floods
    cycle = _open_cycle(slug)
    form = AccessCodeForm()
    if cycle.phase != Phase.voting or not cycle.allow_access_codes or not form.validate_on_submit():
        return _start_page(cycle, code_form=form, status=400)
    try:
        credential = services.check_access_code(cycle, form.code.data)
    except DomainError as error:
        form.code.errors.append(str(error))
        return _start_page(cycle, code_form=form, status=400)
    session["voter"] = {"cycle": cycle.id, "credential": credential}
    return redirect(url_for("voting.ballot", slug=slug))


@bp.post("/vote/register")
@public
def register(slug: str):
    limit(f"register-device:{device_key()}", 10, 3600)
    cycle = _open_cycle(slug)
    form = RegisterForm()
    form.area.choices = [(a.slug, a.name) for a in cycle.areas]
    if cycle.phase != Phase.voting or not cycle.allow_registration or not form.validate_on_submit():
        return _start_page(cycle, register_form=form, status=400)
    limit(f"register-email:{form.email.data.strip().lower()}", 3, 3600)  # no mail bombing
    area = next(a for a in cycle.areas if a.slug == form.area.data)
    try:
        with transaction():
            entry = services.register_voter(cycle=cycle, name=form.name.data, birth_date=form.birth_date.data,
                                            area=area, channel=Channel.online, today=date.today())
            token = _serializer().dumps({"cycle": cycle.id, "roll": entry.id})
            link = url_for("voting.verify", slug=slug, token=token, _external=True)
            # Sent inside the transaction: a refused email leaves no roll entry behind.
            send_mail(to=form.email.data, subject=_("Your voting link"),
                      body=render_template("voting/verify_email.txt", cycle=cycle, link=link))
    except DomainError as error:
        form.name.errors.append(str(error))
        return _start_page(cycle, register_form=form, status=400)
    return render_template("voting/check_email.html", cycle=cycle)


@bp.get("/vote/verify/<token>")
@public
def verify(slug: str, token: str):
    cycle = _open_cycle(slug)
    hours = current_app.config["VERIFY_LINK_HOURS"]
    try:
        data = _serializer().loads(token, max_age=hours * 3600)
        with transaction():
            entry = services.verify_email(cycle=cycle, roll_id=int(data["roll"]))
    except (BadSignature, DomainError, KeyError, TypeError, ValueError):
        flash(_("This link is not valid or has expired. Please register again or ask a community liaison."), "error")
        return redirect(url_for("voting.start", slug=slug))
    session["voter"] = {"cycle": cycle.id, "credential": f"roll:{entry.id}"}
    return redirect(url_for("voting.ballot", slug=slug))


@bp.route("/ballot", methods=["GET", "POST"])
@public
def ballot(slug: str):
    cycle = get_cycle_or_404(slug)
    credential = _credential(cycle)
    if cycle.phase != Phase.voting or credential is None:
        flash(_("Voting is not open in this cycle.") if cycle.phase != Phase.voting
              else _("First enter your access code or register to vote."), "error")
        return redirect(url_for("voting.start", slug=slug))
    projects = ballot_projects(cycle)
    submission = read_submission(cycle, projects)
    if submission.step == "cast":
        try:
            with transaction():
                tracker = services.cast_ballot(cycle=cycle, credential=credential, ranking=submission.ranking,
                                               channel=Channel.online, locale=str(get_locale()))
        except services.AlreadyVoted:
            return _already_voted(cycle)
        except DomainError as error:
            submission = submission.refused(str(error))
        else:
            session.pop("voter", None)
            session["tracker"] = tracker
            return redirect(url_for("voting.voted", slug=slug))
    return render_submission(cycle, projects, submission)


def _already_voted(cycle):
    session.pop("voter", None)
    return render_template("voting/already.html", cycle=cycle), 409


@bp.get("/voted")
@public
def voted(slug: str):
    cycle = get_cycle_or_404(slug)
    tracker = session.pop("tracker", None)
    if tracker is None:
        return redirect(url_for("cycles.detail", slug=slug))
    return render_template("voting/voted.html", cycle=cycle, tracker=tracker)


@bp.get("/tracker")
@public
def tracker(slug: str):
    cycle = get_cycle_or_404(slug)
    form, seal, found = TrackerForm(request.args), db.session.get(BoxSeal, cycle.id), None
    if request.args and form.validate() and seal is not None:
        code = form.tracker.data.strip().upper()
        found = db.session.query(Ballot.id).filter_by(cycle_id=cycle.id, tracker=code).first() is not None
    return render_template("voting/tracker.html", cycle=cycle, form=form, seal=seal, found=found)
