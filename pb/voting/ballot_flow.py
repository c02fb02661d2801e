"""The rank → review → cast steps of a ballot, shared by online voting and kiosks.

A view reads what the voter asked for (`read_submission`), casts through its own service
inside its transaction when the step is "cast", and renders the ballot or the review page
(`render_submission`). Nothing here writes, so nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from flask import render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _

from pb.errors import DomainError
from pb.i18n.content import Localized
from pb.voting.ballot_form import read_ranking
from pb.voting.forms import BallotForm


@dataclass(frozen=True)
class Submission:
    """What the ballot form asked for: edit the ranking, review it, or cast it."""

    step: str = "edit"  # "edit", "review" or "cast"
    ranking: list[int] = field(default_factory=list)
    error: str | None = None

    def refused(self, error: str) -> Submission:
        """The same ranking back on the ballot with the reason it was refused."""
        return replace(self, step="edit", error=error)


def read_submission(cycle, projects) -> Submission:
    """Read and check the posted ranking; a GET is an empty ballot."""
    form = BallotForm()
    if form.validate_on_submit():
        try:
            ranking = read_ranking(request.form, {p.id for p in projects}, cycle.max_ranks)
        except DomainError as error:
            return Submission(error=str(error))
        step = form.step.data if form.step.data in ("review", "cast") else "edit"
        return Submission(step=step, ranking=ranking)
    if request.method == "POST":
        return Submission(error=_("This form has expired. Please try again."))
    return Submission()


def render_submission(cycle, projects, submission: Submission, **context):
    """The review page for a ranking to confirm, otherwise the ballot with the voter's ranks kept."""
    template = "voting/review.html" if submission.step == "review" else "voting/ballot.html"
    return render_ballot(template, cycle, projects, BallotForm(), submission.ranking,
                         error=submission.error, status=400 if submission.error else 200, **context)


def render_ballot(template, cycle, projects, form, ranking, *, error=None, status=200,
                  layout=None, **context):
    rank_of = {pid: i + 1 for i, pid in enumerate(ranking)}
    by_id = {p.id: p for p in projects}
    tr = Localized([cycle, *projects], str(get_locale()))
    return render_template(template, cycle=cycle, projects=projects, form=form, rank_of=rank_of,
                           ranked=[by_id[pid] for pid in ranking if pid in by_id],
                           error=error, tr=tr, layout=layout, **context), status
