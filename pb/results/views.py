"""Results: staff count and sign-off, the public results page, downloads and progress reports."""

from __future__ import annotations

import hashlib
import json
import re

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_number, format_percent, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from pb.accounts.access import public, roles
from pb.audit.services import Anchor
from pb.cycles.models import Cycle
from pb.cycles.queries import get_cycle_or_404
from pb.db import db
from pb.enums import Role
from pb.errors import DomainError
from pb.fragments import fragment
from pb.i18n.catalog import current_timezone
from pb.i18n.content import Localized
from pb.i18n.filters import format_datetime
from pb.lifecycle import services as lifecycle
from pb.pagecache import request_head
from pb.proposals.models import Project
from pb.proposals.money import InvalidMoney, parse_money
from pb.results import queries, services
from pb.results.explain import RULE_HOW, explain, points_text, rule_name
from pb.results.forms import CorrectProgressForm, ProgressForm, PublishForm, RunTallyForm
from pb.results.models import ProgressUpdate, TallySnapshot
from pb.results.tally import ballots_pb, recount_command, sealed_rankings
from pb.survey.export import csv_text
from pb.transaction import run_action, transaction
from pb.voting.models import BoxSeal, Tracker

bp = Blueprint("results", __name__)
ZERO = re.compile(r"\$?\s*0+(\.0{1,2})?")


def _translated(cycle) -> tuple[dict[str, Project], Localized]:
    """The cycle's projects by id, and the cycle's, its areas' and the projects' texts in the
    reader's language."""
    by_id = queries.projects_by_id(cycle)
    return by_id, Localized([cycle, *cycle.areas, *by_id.values()], str(get_locale()))


def _explained(cycle, snapshot, translated=None):
    """Names in the reader's language, sentences for each round, points per project."""
    by_id, tr = translated or _translated(cycle)
    names = {pid: tr(p, "title").text for pid, p in by_id.items()}
    to_cents = queries.cents_converter(cycle, snapshot)
    steps = [explain(e, names=names, to_cents=to_cents, currency=cycle.currency)
             for r in snapshot.result["rounds"] for e in r["events"]]
    totals = sorted(((by_id[pid], int(points)) for pid, points in snapshot.result["totals"].items() if pid in by_id),
                    key=lambda row: -row[1])
    return {"tr": tr, "names": names, "steps": steps, "totals": totals, "by_id": by_id,
            "winners": [by_id[w] for w in snapshot.result["winners"] if w in by_id],
            "spent": to_cents(snapshot.result["spent"]), "left": to_cents(snapshot.result["left"]),
            "max_points": max([p for _, p in totals] or [1]) or 1}


# ---- staff: count, review, sign off ------------------------------------------------------

@bp.get("/admin/cycles/<slug>/count")
@roles(Role.staff, Role.observer)
def count_page(slug: str):
    cycle = get_cycle_or_404(slug, include_draft=True)
    snapshots = db.session.scalars(select(TallySnapshot).filter_by(cycle_id=cycle.id)
                                   .order_by(TallySnapshot.id.desc())).all()
    latest = snapshots[0] if snapshots else None
    return render_template("results/count.html", cycle=cycle, snapshots=snapshots, latest=latest,
                           seal=db.session.get(BoxSeal, cycle.id), run_form=RunTallyForm(),
                           publish_form=PublishForm(), **(_explained(cycle, latest) if latest else {}))


@bp.post("/admin/cycles/<slug>/count")
@roles(Role.staff)
def run_count(slug: str):
    cycle = get_cycle_or_404(slug, include_draft=True)
    form = RunTallyForm()
    back = url_for("results.count_page", slug=slug)
    if not form.validate_on_submit():
        return redirect(back)
    return run_action(
        lambda: lifecycle.count_votes(actor=current_user, cycle=cycle, reason=form.reason.data or ""),
        success=_("The votes were counted. Check the provisional result, then ask a second staff member to publish it."),
        then=back)


@bp.post("/admin/count/<id:snapshot_id>/publish")
@roles(Role.staff)
def publish(snapshot_id: int):
    snapshot = db.session.get(TallySnapshot, snapshot_id) or abort(404)
    cycle = db.session.get(Cycle, snapshot.cycle_id)
    back = url_for("results.count_page", slug=cycle.slug)
    if not PublishForm().validate_on_submit():
        return redirect(back)
    return run_action(lambda: lifecycle.publish_result(actor=current_user, snapshot=snapshot),
                      success=_("The result is published."), then=back)


# ---- public results and downloads --------------------------------------------------------

@bp.get("/cycles/<slug>/results")
@public
def public_results(slug: str):
    cycle = get_cycle_or_404(slug, load=("areas",))  # results by area, turnout of the eligible
    facts = queries.published_facts(cycle) or abort(404)
    by_id, tr = translated = _translated(cycle)
    turnout, eligible = queries.turnout_rows(cycle), queries.eligible_population(cycle)
    # The body shows a published snapshot (never changed once published), the seal and what is
    # read above; its key holds all of that, so a renamed project or new population figures make
    # a new body. The snapshot and everything worked out from it are read only for a new body;
    # the anchors (the log's head changes with every event) are rendered by the page itself.
    key = (facts.id, facts.published_at, facts.ballot_count, facts.ballots_sha256, cycle.slug, tr(cycle, "title").text, cycle.budget_cents, cycle.currency, cycle.max_ranks,
           recount_command(cycle), tuple((area.id, tr(area, "name").text) for area in cycle.areas),
           tuple((pid, tr(p, "title").text, p.cost_cents, p.area_id) for pid, p in by_id.items()),
           turnout, eligible, str(current_timezone()), request.script_root)

    def body() -> Markup:
        snapshot = db.session.get(TallySnapshot, facts.id)
        explained = _explained(cycle, snapshot, translated)
        return Markup(render_template(  # noqa: S704 (our own template, escaped as it rendered)
            "results/_body.html", cycle=cycle, snapshot=snapshot, seal=facts,
            turnout=queries.turnout(cycle, turnout), min_cell=queries.MIN_CELL, recount=recount_command(cycle),
            by_area=queries.funded_by_area(cycle, explained["winners"]),
            **_reading(cycle, snapshot, facts.ballot_count, eligible), **explained))
    published = Anchor(facts.published_seq, facts.published_hash) if facts.published_seq is not None else None
    return render_template("results/public.html", cycle=cycle, body=fragment("results/_parts.html", "body", key, body),
                           anchors={"published": published, "head": request_head()})


def _reading(cycle, snapshot, ballots: int, eligible: int | None) -> dict:
    """What a resident needs to read the result: the rule in words, how ranks became points,
    when it was published (with the time zone) and turnout against the eligible population."""
    sentence, example = points_text(snapshot.params.get("points", "fixed"), cycle.max_ranks)
    published = snapshot.published_at
    return {"rule_name": rule_name(snapshot.rule), "rule_how": RULE_HOW.get(snapshot.rule),
            "points_sentence": sentence if snapshot.rule in ("greedy", "equal-shares") else None,
            "points_example": example,
            "turnout_of_eligible": {"ballots": format_number(ballots), "eligible": format_number(eligible),
                        "share": format_percent(ballots / eligible, "#,##0.0%")} if eligible else None,
            "published": {"text": format_datetime(published, "medium"), "zone": format_datetime(published, "zzzz"),
                          "iso": published.isoformat()} if published else None}


@bp.get("/cycles/<slug>/results/check")
@public
def check(slug: str):
    """Check it yourself, step by step, for someone who has never used a command line."""
    cycle = get_cycle_or_404(slug)
    snapshot = queries.published_or_404(cycle)
    file_sha = hashlib.sha256(ballots_pb(cycle).encode()).hexdigest()
    return render_template("results/check.html", cycle=cycle, snapshot=snapshot, file_sha=file_sha,
                           rule_name=rule_name(snapshot.rule), recount=recount_command(cycle),
                           seal=db.session.get(BoxSeal, cycle.id), anchors=queries.audit_anchors(cycle),
                           **_explained(cycle, snapshot))


def _download(cycle, body: str, name: str, mimetype: str) -> Response:
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{cycle.slug}-{name}"'})


@bp.get("/cycles/<slug>/results/ballots.pb")
@public
def ballots_file(slug: str):
    cycle = get_cycle_or_404(slug)
    queries.published_or_404(cycle)
    return _download(cycle, ballots_pb(cycle), "ballots.pb", "text/plain")


@bp.get("/cycles/<slug>/results/ballots.csv")
@public
def ballots_csv(slug: str):
    """The sealed ballots for a spreadsheet: each rank's project number and name (in the
    language the project was written in, as in the .pb file), in the published order."""
    cycle = get_cycle_or_404(slug)
    queries.published_or_404(cycle)
    names = {pid: p.title for pid, p in queries.projects_by_id(cycle).items()}
    header = [cell for r in range(1, cycle.max_ranks + 1) for cell in (f"rank_{r}", f"rank_{r}_name")]
    rows = [[cell for pid in r + [""] * (cycle.max_ranks - len(r)) for cell in (pid, names.get(pid, ""))]
            for r in sealed_rankings(cycle)]
    return _download(cycle, csv_text([header, *rows]), "ballots.csv", "text/csv; charset=utf-8")


@bp.get("/cycles/<slug>/results/trackers.txt")
@public
def trackers(slug: str):
    cycle = get_cycle_or_404(slug)
    queries.published_or_404(cycle)
    codes = sorted(db.session.scalars(select(Tracker.code).filter_by(cycle_id=cycle.id)))
    return _download(cycle, "\n".join(codes) + "\n", "trackers.txt", "text/plain")


@bp.get("/cycles/<slug>/results/result.json")
@public
def result_json(slug: str):
    cycle = get_cycle_or_404(slug)
    snapshot = queries.published_or_404(cycle)
    # The audit anchors ride along outside the digested body (see pb.results.verify).
    anchors = {name: str(anchor) for name, anchor in queries.audit_anchors(cycle).items() if anchor}
    return _download(cycle, json.dumps(snapshot.result | {"audit": anchors}, ensure_ascii=False, indent=2),
                     "result.json", "application/json")


# ---- implementation progress -------------------------------------------------------------

@bp.route("/projects/<id:project_id>/progress", methods=["GET", "POST"])
@roles(Role.staff)
def progress(project_id: int):
    project = db.session.get(Project, project_id) or abort(404)
    form = ProgressForm()
    if form.validate_on_submit() and _saved(form, project, lambda spent, reason: services.post_progress(
            actor=current_user, project=project, status=form.status.data, percent=form.percent.data,
            spent_cents=spent, body=form.body.data or "", locale=str(get_locale()), over_budget_reason=reason)):
        flash(_("Progress posted."), "success")
        return redirect(url_for("cycles.project", project_id=project_id))
    return render_template("results/progress.html", project=project, form=form), 400 if form.errors else 200


@bp.route("/progress/<id:update_id>/correct", methods=["GET", "POST"])
@roles(Role.staff)
def correct_progress(update_id: int):
    update = db.session.get(ProgressUpdate, update_id) or abort(404)
    form = CorrectProgressForm(obj=update, spent=_amount(update.spent_cents))
    if form.validate_on_submit() and _saved(form, update.project, lambda spent, reason: services.correct_progress(
            actor=current_user, update=update, status=form.status.data, percent=form.percent.data,
            spent_cents=spent, body=form.body.data or "", note=form.note.data, over_budget_reason=reason)):
        flash(_("Progress report corrected. The earlier version stays visible."), "success")
        return redirect(url_for("cycles.project", project_id=update.project_id, _anchor=f"progress-{update.id}"))
    return render_template("results/progress.html", project=update.project, form=form,
                           update=update), 400 if form.errors else 200


def _amount(cents: int) -> str:
    return f"{cents // 100:,}.{cents % 100:02d}"


def _saved(form, project, change) -> bool:
    """Run a progress change as the request's transaction; a refusal lands on its field."""
    try:
        text = form.spent.data.strip()
        # A cap far above any real project, so a typo of extra digits is refused outright.
        spent = 0 if ZERO.fullmatch(text) else parse_money(text, max_cents=max(project.cycle.budget_cents,
                                                                                  project.cost_cents) * 10)
        with transaction():
            change(spent, form.over_budget_reason.data or "")
        return True
    except InvalidMoney as error:
        form.spent.errors.append(str(error))
    except services.OverBudget as error:
        form.over_budget_reason.errors.append(str(error))
    except DomainError as error:
        form.form_errors.append(str(error))
    return False


from pb.results import staff_views  # noqa: E402,F401  (staff routes on this blueprint)
