"""Public pages: the home page, a cycle's page and its ballot projects."""

from flask import Blueprint, abort, render_template, url_for
from flask_babel import get_locale

from pb.accounts.access import public
from pb.cycles import queries
from pb.db import db
from pb.deliberation.queries import comment_context
from pb.enums import Phase
from pb.i18n.content import Localized
from pb.proposals import queries as proposals
from pb.proposals.models import Project

bp = Blueprint("cycles", __name__)


@bp.get("/")
@public
def home():
    cycles = queries.public_cycles()
    return render_template("cycles/home.html", cycles=cycles, tr=Localized(cycles, str(get_locale())))


@bp.get("/cycles/<slug>")
@public
def detail(slug: str):
    cycle = queries.get_cycle_or_404(slug)
    projects = proposals.ballot_projects(cycle) if cycle.phase != Phase.ideas else []
    return render_template("cycles/detail.html", cycle=cycle, projects=projects,
                           idea_counts=proposals.idea_counts(cycle), phases=list(Phase)[1:],
                           tr=Localized([cycle, *cycle.areas, *projects], str(get_locale())))


@bp.get("/projects/<id:project_id>")
@public
def project(project_id: int):
    item = db.session.get(Project, project_id)
    if item is None or item.cycle.phase == Phase.draft:
        abort(404)
    return render_template("cycles/project.html", project=item, cycle=item.cycle,
                           tr=Localized([item, item.cycle, *item.ideas, *item.progress], str(get_locale())),
                           **comment_context(item, url_for("deliberation.comment_project", project_id=item.id)))


@bp.get("/accessibility")
@public
def accessibility():
    return render_template("cycles/accessibility.html")
