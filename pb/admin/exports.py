"""Staff exports: CSV files for spreadsheets and community-benefit reports (routes on the admin
blueprint; staff and observers, read-only).

Every file goes through pb.survey.export.csv_text: UTF-8 with a byte-order mark, and cells
that a spreadsheet would run as a formula made inert. No file names a resident: authors,
contacts and voter rolls stay out. Participation is refused while voting is open (no counts
of any kind then), and its small groups are merged as on the public results page.
"""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select

from pb.accounts.access import roles
from pb.admin.views import OPEN_PHASES, bp
from pb.cycles.queries import get_cycle_or_404
from pb.db import db
from pb.deliberation.models import Comment
from pb.enums import Role
from pb.proposals.models import Idea, Project
from pb.results import queries as results
from pb.results.services import current_snapshot, funded_progress
from pb.survey.export import csv_text

readers = roles(Role.staff, Role.observer)


def _csv(cycle, name: str, rows) -> Response:
    return Response(csv_text(rows), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{cycle.slug}-{name}.csv"'})


def _amount(cents: int | None) -> str:
    return "" if cents is None else f"{cents // 100}.{cents % 100:02d}"


def _when(value) -> str:
    return value.isoformat(timespec="seconds") if value else ""


@bp.get("/cycles/<slug>/exports")
@readers
def exports(slug: str):
    cycle = get_cycle_or_404(slug, include_draft=True)
    return render_template("admin/exports.html", cycle=cycle, voting_open=cycle.phase in OPEN_PHASES)


@bp.get("/cycles/<slug>/exports/ideas.csv")
@readers
def export_ideas(slug: str):
    cycle = get_cycle_or_404(slug, include_draft=True)
    ideas = db.session.scalars(select(Idea).filter_by(cycle_id=cycle.id).order_by(Idea.id))
    areas = {a.id: a.name for a in cycle.all_areas}
    return _csv(cycle, "ideas", [
        ("idea_id", "sent_in", "channel", "language", "category", "area", "title", "idea", "status",
         "public_answer", "merged_into_idea", "project_id"),
        *((i.id, _when(i.created_at), str(i.channel), i.locale, i.category, areas.get(i.area_id, ""), i.title,
           i.body, str(i.status), i.status_reason, i.merged_into_id or "", i.project_id or "") for i in ideas)])


@bp.get("/cycles/<slug>/exports/projects.csv")
@readers
def export_projects(slug: str):
    cycle = get_cycle_or_404(slug, include_draft=True)
    snapshot = current_snapshot(cycle)  # results only once published
    winners, totals = (snapshot.result["winners"], snapshot.result["totals"]) if snapshot else ([], {})
    projects = db.session.scalars(select(Project).filter_by(cycle_id=cycle.id).order_by(Project.id))
    areas = {a.id: a.name for a in cycle.all_areas}
    return _csv(cycle, "projects", [
        ("project_id", "language", "category", "area", "title", "summary", "cost", "currency", "status",
         "result_published", "points", "funded"),
        *((p.id, p.locale, p.category, areas.get(p.area_id, ""), p.title, p.summary, _amount(p.cost_cents),
           cycle.currency, str(p.status), "yes" if snapshot else "no",
           totals.get(str(p.id), "") if snapshot else "",
           ("yes" if str(p.id) in winners else "no") if snapshot else "") for p in projects)])


@bp.get("/cycles/<slug>/exports/comments.csv")
@readers
def export_comments(slug: str):
    cycle = get_cycle_or_404(slug, include_draft=True)
    ideas = select(Idea.id).filter_by(cycle_id=cycle.id)
    projects = select(Project.id).filter_by(cycle_id=cycle.id)
    comments = db.session.scalars(select(Comment).where(or_(Comment.idea_id.in_(ideas),
                                                            Comment.project_id.in_(projects)))
                                  .order_by(Comment.id))
    return _csv(cycle, "comments", [
        ("comment_id", "written", "on", "on_id", "reply_to", "language", "comment", "entered_by_liaison",
         "hidden", "hidden_reason"),
        *((c.id, _when(c.created_at), "idea" if c.idea_id else "project", c.idea_id or c.project_id,
           c.parent_id or "", c.locale, c.body, "yes" if c.entered_by_id else "no",
           "yes" if c.is_hidden else "no", c.hidden_reason) for c in comments)])


@bp.get("/cycles/<slug>/exports/progress.csv")
@readers
def export_progress(slug: str):
    cycle = get_cycle_or_404(slug, include_draft=True)
    return _csv(cycle, "progress", [
        ("report_id", "project_id", "project", "funded_amount", "posted", "corrected", "earlier_versions",
         "stage", "percent_done", "spent", "currency", "why_more_was_spent", "language", "report"),
        *((u.id, u.project_id, u.project.title, _amount(u.project.cost_cents), _when(u.created_at),
           _when(u.edited_at), len(u.revisions), str(u.status), u.percent, _amount(u.spent_cents),
           cycle.currency, u.over_budget_reason, u.locale, u.body) for u in funded_progress(cycle))])


@bp.get("/cycles/<slug>/exports/participation.csv")
@readers
def export_participation(slug: str):
    cycle = get_cycle_or_404(slug, include_draft=True)
    if cycle.phase in OPEN_PHASES:  # DESIGN: no count of any kind while voting is open
        flash(_("Participation can be downloaded only after voting has closed."), "error")
        return redirect(url_for("admin.exports", slug=slug))
    turnout = results.turnout(cycle)
    rows = [("group", "value", "ballots")]
    rows += [("all", "all", turnout["total"])]
    for group in ("channel", "site", "language"):
        rows += [(group, value, n) for value, n in turnout[group]["shown"].items()]
        if turnout[group]["small"]:
            rows.append((group, f"other (groups under {results.MIN_CELL})", turnout[group]["small"]))
    return _csv(cycle, "participation", rows)
