"""Online voting: get a credential (access code or verified registration), rank, review, cast."""

from __future__ import annotations

import hashlib
import hmac

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
from flask_login import current_user

from pb import clock
from pb.accounts.access import public, roles
from pb.config import public_url
from pb.cycles.models import Cycle
from pb.cycles.queries import get_cycle_or_404
from pb.db import db
from pb.enums import Channel, Phase, Role
from pb.errors import DomainError
from pb.i18n.content import Localized
from pb.i18n.labels import VOTED_VIA
from pb.i18n.locales import direction
from pb.outbox.services import queue_mail
from pb.proposals.queries import ballot_projects
from pb.security.ratelimit import device_key, limit
from pb.survey.services import new_ticket as new_survey_ticket
from pb.survey.services import new_ticket_code, note_turnout
from pb.transaction import run_action, transaction
from pb.voting import services
from pb.voting.ballot_flow import Submission, read_submission, render_submission
from pb.voting.forms import (
    AccessCodeForm,
    HeldDecisionForm,
    OpenLinkForm,
    PersonalCodeForm,
    RegisterForm,
    TrackerForm,
)
from pb.voting.models import BoxSeal, RollStatus, Tracker
from pb.voting.reminders import LINK, voting_mail_key

bp = Blueprint("voting", __name__, url_prefix="/cycles/<slug>")


@bp.after_request
def _no_store(response):
    # Voting pages hold a credential, a ranking or a tracker; shared devices must not keep them.
    response.headers["Cache-Control"] = "no-store"
    return response


def _credential(cycle: Cycle) -> str | None:
    voter = session.get("voter") or {}
    return voter.get("credential") if voter.get("cycle") == cycle.id else None


def _open_cycle(slug: str, load: tuple[str, ...] = ()) -> Cycle:
    cycle = get_cycle_or_404(slug, load=load)
    if cycle.phase != Phase.voting:
        flash(_("Voting is not open in this cycle."), "error")
    return cycle


def _code_form(cycle):
    return PersonalCodeForm() if cycle.personal_access_codes else AccessCodeForm()


def _area_choices(cycle):
    tr = Localized([*cycle.areas], str(get_locale()))
    return [("", "—")] + [(a.slug, tr(a, "name").text) for a in cycle.areas]


def _start_page(cycle, code_form=None, register_form=None, status=200):
    register_form = register_form or RegisterForm()
    code_form = code_form or (PersonalCodeForm if cycle.personal_access_codes else AccessCodeForm)(
        code=request.args.get("code", ""))
    register_form.area.choices = _area_choices(cycle)
    if isinstance(code_form, PersonalCodeForm):
        code_form.area.choices = _area_choices(cycle)
    return render_template("voting/start.html", cycle=cycle, code_form=code_form,
                           register_form=register_form), status


@bp.get("/vote")
@public
def start(slug: str):
    cycle = _open_cycle(slug, load=("areas",))  # the registration form lists them
    if cycle.phase == Phase.voting and _credential(cycle):
        return redirect(url_for("voting.ballot", slug=slug))
    return _start_page(cycle)


@bp.post("/vote/code")
@public
def use_code(slug: str):
    limit(f"code-device:{device_key()}", 30, 600)  # codes have ~59 bits; this stops floods
    cycle = _open_cycle(slug)
    form = _code_form(cycle)
    if isinstance(form, PersonalCodeForm):
        form.area.choices = [(a.slug, a.name) for a in cycle.areas]
    if cycle.phase != Phase.voting or not cycle.allow_access_codes or not form.validate_on_submit():
        return _start_page(cycle, code_form=form, status=400)
    try:
        with transaction():
            credential = _code_credential(cycle, form)
    except DomainError as error:
        form.code.errors.append(str(error))
        return _start_page(cycle, code_form=form, status=400)
    if credential is None:
        flash(_("Your name and date of birth are very close to someone already on the voter roll. "
                "A community liaison will check this; try your code again later, or vote at a kiosk."), "info")
        return redirect(url_for("voting.start", slug=slug))
    session["voter"] = {"cycle": cycle.id, "credential": credential}
    session.pop("voted", None)  # someone else may be voting in this browser now
    # The ballot itself answers the code, with no redirect: a ballot in four requests
    # (start, code, review, cast). Sending the form again just enters the same code again.
    return render_submission(cycle, ballot_projects(cycle), Submission(),
                             post_url=url_for("voting.ballot", slug=slug))


def _code_credential(cycle, form) -> str | None:
    """The credential an access code gives: the code itself, or (personal) the holder's roll entry."""
    if not isinstance(form, PersonalCodeForm):
        return services.check_access_code(cycle, form.code.data)
    area = next(a for a in cycle.areas if a.slug == form.area.data)
    return services.claim_personal_code(cycle=cycle, code=form.code.data, name=form.name.data,
                                        birth_date=form.birth_date.data, area=area, today=clock.today())


@bp.post("/vote/register")
@public
def register(slug: str):
    limit(f"register-device:{device_key()}", 10, 3600)
    if current_user.is_authenticated:
        limit(f"register-account:{current_user.id}", 10, 3600)
    cycle = _open_cycle(slug)
    form = RegisterForm()
    form.area.choices = [(a.slug, a.name) for a in cycle.areas]
    if cycle.phase != Phase.voting or not cycle.allow_registration or not form.validate_on_submit():
        return _start_page(cycle, register_form=form, status=400)
    limit(f"register-email:{services.mailbox(form.email.data)}", 3, 3600)  # no mail bombing
    area = next(a for a in cycle.areas if a.slug == form.area.data)
    try:
        with transaction():
            entry, token = services.register_online(
                cycle=cycle, name=form.name.data, birth_date=form.birth_date.data, area=area,
                email=form.email.data, today=clock.today(), user=current_user if current_user.is_authenticated else None,
                remind=form.remind.data, locale=str(get_locale()))
            link = public_url("voting.verify", slug=slug, token=token)
            # Queued with the registration: delivered after the commit, retried if the mail
            # server is down, never sent if the registration rolls back; the key lets the seal
            # delete it, address and all, when voting closes (pb.voting.reminders).
            locale = str(get_locale())
            mail = {"cycle": cycle, "link": link, "locale": locale, "text_direction": direction(locale)}
            queue_mail(to=form.email.data, subject=_("Your voting link"), locale=locale,
                       text=render_template("voting/verify_email.txt", **mail),
                       html=render_template("voting/verify_email.html", **mail),
                       key=voting_mail_key(LINK, cycle))
    except DomainError as error:
        form.name.errors.append(str(error))
        return _start_page(cycle, register_form=form, status=400)
    return render_template("voting/check_email.html", cycle=cycle, held=entry.status == RollStatus.held)


@bp.route("/vote/verify/<token>", methods=["GET", "POST"])
@public
def verify(slug: str, token: str):
    """Opening the emailed link shows a button; pressing it (a POST) spends the link, so a mail
    scanner that opens links before the voter does uses nothing up."""
    cycle = _open_cycle(slug)
    form = OpenLinkForm()
    try:
        if form.validate_on_submit():
            with transaction():
                entry = services.verify_email(cycle=cycle, token=token)
        else:
            entry = services.check_voting_link(cycle=cycle, token=token)
    except DomainError as error:
        flash(str(error), "info" if isinstance(error, services.StillHeld) else "error")
        return redirect(url_for("voting.start", slug=slug))
    if services.has_voted(cycle, f"roll:{entry.id}"):  # e.g. at a kiosk: say so now, not after ranking
        return _already_voted(cycle)
    if not form.is_submitted() or form.errors:
        return render_template("voting/open_link.html", cycle=cycle, form=form), 400 if form.errors else 200
    session["voter"] = {"cycle": cycle.id, "credential": f"roll:{entry.id}"}
    session.pop("voted", None)
    return redirect(url_for("voting.ballot", slug=slug))


@bp.get("/vote/held")
@roles(Role.liaison, Role.staff)
def held(slug: str):
    """Registrations held as near matches, for a liaison or staff member to decide."""
    cycle = get_cycle_or_404(slug)
    return render_template("voting/held.html", cycle=cycle, items=services.held_registrations(cycle),
                           form=HeldDecisionForm(), areas={a.id: a.name for a in cycle.areas}, voted_via=VOTED_VIA)


@bp.post("/vote/held")
@roles(Role.liaison, Role.staff)
def decide_held(slug: str):
    cycle = get_cycle_or_404(slug)
    form = HeldDecisionForm()
    if not form.validate_on_submit():
        flash(_("Choose a decision and a reason."), "error")
        return redirect(url_for("voting.held", slug=slug))
    return run_action(lambda: services.decide_held(actor=current_user, cycle=cycle, entry_id=form.entry.data,
                                                   decision=form.decision.data, reason=form.reason.data),
                      success=_("Decision saved."), then=url_for("voting.held", slug=slug))


@bp.route("/ballot", methods=["GET", "POST"])
@public
def ballot(slug: str):
    cycle = get_cycle_or_404(slug)
    credential = _credential(cycle)
    reloaded = _reloaded_tracker(cycle) if credential is None and cycle.phase == Phase.voting else None
    if reloaded is not None:
        # The confirmation reloaded (the browser sends the very same cast again with the cookie
        # the confirmation set): the same confirmation, not "enter your code", which reads as
        # if the vote was lost.
        return render_template("voting/voted.html", cycle=cycle, tracker=reloaded)
    if cycle.phase != Phase.voting or credential is None:
        flash(_("Voting is not open in this cycle.") if cycle.phase != Phase.voting
              else _("First enter your access code or register to vote."), "error")
        return redirect(url_for("voting.start", slug=slug))
    projects = ballot_projects(cycle)
    submission = read_submission(cycle, projects)
    if submission.step == "cast":
        tracker = _pending_tracker(cycle, credential, submission.ranking)
        survey = (session.get("ballot_pending") or {}).get("survey") if tracker else None
        try:
            with transaction():
                tracker = services.cast_ballot(cycle=cycle, credential=credential, ranking=submission.ranking,
                                               channel=Channel.online, locale=str(get_locale()), tracker=tracker,
                                               on_ballot=[p.id for p in projects])  # read while voting: frozen
                note_turnout(cycle=cycle, channel=Channel.online, locale=str(get_locale()),
                             credential=credential)  # staff-only live turnout, if the cycle opted in
        except services.AlreadyVoted:
            return _already_voted(cycle, tracker, survey)
        except DomainError as error:
            submission = submission.refused(str(error))
        else:
            return _show_tracker(cycle, tracker, survey)
    if submission.step == "review" and not submission.error:
        session["ballot_pending"] = _pending(cycle, credential, submission.ranking)
    return render_submission(cycle, projects, submission, post_url=url_for("voting.ballot", slug=slug))


def _ranking_digest(cycle, credential: str, tracker: str, ranking: list) -> str:
    # Keyed: the session cookie is signed, not encrypted, and a bare hash of a short ranking
    # could be reversed by trying every ranking.
    message = f"{cycle.id}\x1f{credential}\x1f{tracker}\x1f{','.join(map(str, ranking))}"
    return hmac.new(current_app.config["SECRET_KEY"].encode(), message.encode(), hashlib.sha256).hexdigest()


def _pending(cycle, credential: str, ranking: list[int]) -> dict:
    """The tracker this reviewed ranking will get when cast, chosen before the cast.

    A double tap on "Cast" sends two requests carrying the same (pre-cast) session cookie; the
    browser shows the second answer. Because both carry this tracker, the second one can tell
    that the first stored exactly this ballot for this credential and show its tracker.
    """
    tracker = services.new_code()
    return {"cycle": cycle.id, "tracker": tracker, "survey": new_ticket_code(),
            "digest": _ranking_digest(cycle, credential, tracker, ranking)}


def _pending_tracker(cycle, credential: str, ranking: list[int]) -> str | None:
    """The pre-chosen tracker if this is the very ranking, credential and cycle that was reviewed."""
    pending = session.get("ballot_pending") or {}
    tracker = pending.get("tracker")
    if pending.get("cycle") != cycle.id or not isinstance(tracker, str):
        return None
    expected = _ranking_digest(cycle, credential, tracker, ranking)
    return tracker if hmac.compare_digest(str(pending.get("digest")), expected) else None


RELOAD_SECONDS = 30 * 60  # how long a reload of the confirmation shows it again


def _cast_digest(cycle, tracker: str) -> str:
    """Keyed digest of the cast form's ranks as posted: a reload sends exactly these again."""
    ranks = sorted((k, v) for k, v in request.form.items() if k.startswith("rank-"))
    return _ranking_digest(cycle, "reload", tracker, [f"{k}={v}" for k, v in ranks])


def _reloaded_tracker(cycle) -> str | None:
    """The tracker of the cast this request repeats, if it is a reload of the confirmation: a
    POST of the cast with the same ranks, soon after, in the session that cast it."""
    voted = session.get("voted") or {}
    tracker = voted.get("tracker")
    if (request.method != "POST" or request.form.get("step") != "cast" or voted.get("cycle") != cycle.id
            or not isinstance(tracker, str) or not isinstance(voted.get("at"), int)
            or not 0 <= clock.timestamp() - voted["at"] <= RELOAD_SECONDS):
        return None
    return tracker if hmac.compare_digest(str(voted.get("digest")), _cast_digest(cycle, tracker)) else None


def _show_tracker(cycle, tracker: str, survey: str | None = None):
    """The confirmation, as the answer to the cast itself (no redirect: one request fewer).

    Sending the cast again (reload, double tap) repeats the same reviewed ballot, which
    `_already_voted` answers with this same confirmation.
    """
    session.pop("voter", None)
    session.pop("ballot_pending", None)
    # For a reload of this page (see _reloaded_tracker); a new credential in this session drops it.
    session["voted"] = {"cycle": cycle.id, "tracker": tracker, "digest": _cast_digest(cycle, tracker),
                        "at": int(clock.timestamp())}
    # One optional survey (pb.survey), with the ticket chosen at review: the same cast sent
    # again (a double tap, an old cookie) is answered with the same ticket, answered once.
    session["survey"] = new_survey_ticket(cycle, Channel.online, ticket=survey)
    return render_template("voting/voted.html", cycle=cycle, tracker=tracker)


def _already_voted(cycle, tracker: str | None = None, survey: str | None = None):
    """A second cast of the same reviewed ballot (double tap) gets the first one's confirmation;
    anything else cast with a used credential is refused and changes nothing."""
    if tracker is not None and db.session.get(Tracker, (cycle.id, tracker)) is not None:
        return _show_tracker(cycle, tracker, survey)
    session.pop("voter", None)
    return render_template("voting/already.html", cycle=cycle), 409


@bp.get("/tracker")
@public
def tracker(slug: str):
    cycle = get_cycle_or_404(slug)
    form, seal, found = TrackerForm(request.args), db.session.get(BoxSeal, cycle.id), None
    if request.args and form.validate() and seal is not None:
        code = _tracker_code(form.tracker.data)
        found = None if code is None else db.session.get(Tracker, (cycle.id, code)) is not None
        if code is None:
            form.tracker.errors.append(_("A tracker code has 12 letters and digits. It never uses "
                                         "O, 0, I, L or 1, so check the characters you typed."))
    return render_template("voting/tracker.html", cycle=cycle, form=form, seal=seal, found=found)


def _tracker_code(typed: str) -> str | None:
    """"abcd efgh-jkmn" → "ABCD-EFGH-JKMN"; None when it cannot be a tracker.

    Spaces, dashes and lower case are accepted. Confusable characters are not guessed: the
    alphabet leaves out both O and 0 and all of I, L and 1, so a typed O could be neither.
    """
    bare = services.bare_code(typed)
    if len(bare) != 12 or any(c not in services.ALPHABET for c in bare):
        return None
    return "-".join(bare[i:i + 4] for i in range(0, 12, 4))
