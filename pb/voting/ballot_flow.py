"""The rank → review → cast steps of a ballot, shared by online voting and kiosks."""

from __future__ import annotations

from collections.abc import Callable

from flask import render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _

from pb.db import db
from pb.errors import DomainError
from pb.i18n.content import Localized
from pb.voting.ballot_form import read_ranking
from pb.voting.forms import BallotForm
from pb.voting.services import AlreadyVoted


def ballot_step(cycle, projects, *, cast: Callable[[list[int]], object], **context):
    """Render the ballot or the review page, or call `cast(ranking)` on a confirmed ballot.

    Any refusal re-renders the ballot with the voter's ranks kept and a clear message;
    AlreadyVoted propagates so the caller can answer it its own way.
    """
    form, ranking, error = BallotForm(), [], None
    if form.validate_on_submit():
        try:
            ranking = read_ranking(request.form, {p.id for p in projects}, cycle.max_ranks)
            if form.step.data == "cast":
                return cast(ranking)
            if form.step.data == "review":
                return render_ballot("voting/review.html", cycle, projects, form, ranking, **context)
        except AlreadyVoted:
            db.session.rollback()
            raise
        except DomainError as err:
            db.session.rollback()
            error = str(err)
    elif request.method == "POST":
        error = _("This form has expired. Please try again.")
    return render_ballot("voting/ballot.html", cycle, projects, form, ranking, error=error,
                         status=400 if error else 200, **context)


def render_ballot(template, cycle, projects, form, ranking, *, error=None, status=200,
                  layout=None, **context):
    rank_of = {pid: i + 1 for i, pid in enumerate(ranking)}
    by_id = {p.id: p for p in projects}
    tr = Localized([cycle, *projects], str(get_locale()))
    return render_template(template, cycle=cycle, projects=projects, form=form, rank_of=rank_of,
                           ranked=[by_id[pid] for pid in ranking if pid in by_id],
                           error=error, tr=tr, layout=layout, **context), status
