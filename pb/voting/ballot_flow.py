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
from markupsafe import Markup

from pb.fragments import fragment
from pb.i18n.content import Localized
from pb.i18n.filters import money
from pb.security.text import whole_number
from pb.urls import url_for
from pb.voting.ballot_form import BallotError, read_ranking, submitted_ranks
from pb.voting.forms import BallotForm


@dataclass(frozen=True)
class Submission:
    """What the ballot form asked for: edit the ranking, review it, or cast it."""

    step: str = "edit"  # "edit", "review" or "cast"
    ranking: list[int] = field(default_factory=list)
    error: str | None = None
    # After an unreadable ballot: every rank as the voter chose it, and the fields at fault.
    ranks: dict[int, str] | None = None
    invalid: tuple[int, ...] = ()
    # The form that read it, shown again for its CSRF token (building a form costs as much).
    form: BallotForm | None = field(default=None, compare=False, repr=False)

    def refused(self, error: str) -> Submission:
        """The same ranking back on the ballot with the reason it was refused."""
        return replace(self, step="edit", error=error)


def read_submission(cycle, projects) -> Submission:
    """Read and check the posted ranking; a GET is an empty ballot.

    A ranking that cannot be read comes back with every choice the voter made, so the ballot
    they see again is the one they sent, with the wrong fields marked.
    """
    form = BallotForm()
    if form.validate_on_submit():
        ids = {p.id for p in projects}
        try:
            ranking = read_ranking(request.form, ids, cycle.max_ranks)
        except BallotError as error:
            return Submission(error=str(error), ranks=submitted_ranks(request.form, ids), invalid=error.projects,
                              form=form)
        step = form.step.data if form.step.data in ("review", "cast") else "edit"
        return Submission(step=step, ranking=ranking, form=form)
    if request.method == "POST":
        return Submission(error=_("This form has expired. Please try again."), form=form)
    return Submission(form=form)


def render_submission(cycle, projects, submission: Submission, **context):
    """The review page for a ranking to confirm, otherwise the ballot with the voter's ranks kept."""
    template = "voting/review.html" if submission.step == "review" else "voting/ballot.html"
    return render_ballot(template, cycle, projects, submission.form or BallotForm(), submission.ranking,
                         error=submission.error, status=400 if submission.error else 200,
                         chosen=submission.ranks, invalid=submission.invalid, **context)


def render_ballot(template, cycle, projects, form, ranking, *, error=None, status=200,
                  layout=None, chosen=None, invalid=(), **context):
    """`chosen` (rank as typed, by project) wins over `ranking` when a ballot came back refused."""
    if chosen is None:
        rank_of = {pid: i + 1 for i, pid in enumerate(ranking)}
    else:
        rank_of = {pid: rank for pid, value in chosen.items() if (rank := whole_number(value)) is not None}
    by_id = {p.id: p for p in projects}
    ranked = [by_id[pid] for pid in ranking if pid in by_id]
    tr = Localized([cycle, *projects], str(get_locale()))
    invalid = set(invalid)

    def card(project) -> Markup:
        title, summary = tr(project, "title"), tr(project, "summary")
        shown = (title, summary, money(project.cost_cents, cycle.currency),
                 url_for("cycles.project", project_id=project.id), cycle.max_ranks,
                 _shown_rank(rank_of.get(project.id), cycle.max_ranks), project.id in invalid, bool(error))
        return fragment("voting/_ballot_card.html", "card", (project.id, project.cost_cents, *shown), project, *shown)
    return render_template(template, cycle=cycle, projects=projects, form=form, rank_of=rank_of, card=card,
                           ranked=ranked, ranked_cents=sum(p.cost_cents for p in by_id.values() if p.id in rank_of),
                           invalid=invalid, error=error, tr=tr, layout=layout, **context), status


def _shown_rank(rank: int | None, max_ranks: int) -> int | None:
    """The rank a card shows selected: one of its options, or none (so a made-up rank such as
    1000 is one more key for nothing)."""
    return rank if rank is not None and 1 <= rank <= max_ranks else None
