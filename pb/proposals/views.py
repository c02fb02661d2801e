"""Public idea pages: every idea with its status and public answer."""

from flask import Blueprint, abort, render_template, request
from flask_babel import get_locale
from sqlalchemy import select

from pb.accounts.access import public
from pb.cycles.queries import get_cycle_or_404
from pb.db import db
from pb.enums import Phase
from pb.i18n.content import Localized
from pb.proposals.models import Idea

bp = Blueprint("proposals", __name__)
PAGE_SIZE = 20


@bp.get("/cycles/<slug>/ideas")
@public
def index(slug: str):
    cycle = get_cycle_or_404(slug)
    page = request.args.get("page", 1, type=int)
    ideas = db.paginate(select(Idea).filter_by(cycle_id=cycle.id).order_by(Idea.id.desc()),
                        page=max(page, 1), per_page=PAGE_SIZE, error_out=False)
    return render_template("proposals/index.html", cycle=cycle, ideas=ideas,
                           tr=Localized([cycle, *ideas.items], str(get_locale())))


@bp.get("/ideas/<id:idea_id>")
@public
def detail(idea_id: int):
    idea = db.session.get(Idea, idea_id)
    if idea is None or idea.cycle.phase == Phase.draft:
        abort(404)
    related = [idea, idea.cycle, *idea.merged] + ([idea.project] if idea.project else [])
    return render_template("proposals/detail.html", idea=idea, cycle=idea.cycle,
                           tr=Localized(related, str(get_locale())))
