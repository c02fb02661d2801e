"""Public pages: the home page, a cycle's page and its ballot projects."""

from datetime import datetime
from functools import lru_cache

from babel.dates import get_timezone_name
from flask import Blueprint, render_template, url_for
from flask_babel import get_locale, get_timezone
from flask_login import current_user
from markupsafe import Markup

from pb import clock
from pb.accounts.access import public
from pb.cycles import queries
from pb.deliberation.queries import comment_context
from pb.enums import Phase
from pb.fragments import fragment
from pb.i18n.content import Localized
from pb.i18n.filters import format_date, format_datetime, format_time, money
from pb.proposals import queries as proposals
from pb.results import queries as results
from pb.urls import url_for as item_url

bp = Blueprint("cycles", __name__)
PUBLISHED = (Phase.results, Phase.implementation)  # phases in which a result can be public


@bp.get("/")
@public
def home():
    cycles = queries.public_cycles()
    return render_template("cycles/home.html", cycles=cycles, tr=Localized(cycles, str(get_locale())))


@bp.get("/cycles/<slug>")
@public
def detail(slug: str):
    cycle = queries.get_cycle_or_404(slug, load=("areas", "schedule"))
    projects = proposals.ballot_projects(cycle) if cycle.phase != Phase.ideas else []
    outcomes = results.outcomes(cycle) if cycle.phase in PUBLISHED else {}
    tr = Localized([cycle, *cycle.areas, *projects], str(get_locale()))

    def card(project) -> Markup:
        shown = (tr(project, "title"), item_url("cycles.project", project_id=project.id), outcomes.get(project.id),
                 money(project.cost_cents, cycle.currency))
        return fragment("cycles/_card.html", "card", shown, *shown)
    return render_template("cycles/detail.html", cycle=cycle, projects=projects, outcomes=outcomes, card=card,
                           idea_counts=proposals.idea_counts(cycle), phases=phase_spans(cycle),
                           zone=_zone_name(), closes=_voting_closes(cycle), tr=tr)


def _zone_name() -> str:
    """The site's time zone in the reader's words ("Central Time", "hora central", "UTC")."""
    return _zone_name_in(get_timezone(), str(get_locale()))


@lru_cache(maxsize=256)
def _zone_name_in(zone, locale: str) -> str:
    # A zone's generic name does not depend on the date (UTC has no daylight saving time).
    if str(zone) in ("UTC", "Etc/UTC"):  # Babel calls it "Unknown Region (UTC) Time"
        return format_datetime(clock.now(), "zzzz")
    return get_timezone_name(zone, locale=locale)


def phase_spans(cycle) -> list[tuple[Phase, datetime | None, datetime | None]]:
    """(phase, announced start, announced end) for every public phase; a phase ends when the
    next phase with a date starts."""
    phases = list(Phase)[1:]
    starts = [cycle.starts_at(p) for p in phases]
    return [(p, starts[i], next((s for s in starts[i + 1:] if s), None)) for i, p in enumerate(phases)]


def _voting_closes(cycle) -> dict | None:
    """During voting: when it closes (the announced start of tallying), in the reader's
    language and the site's time zone, and in how many days."""
    closes = cycle.starts_at(Phase.tallying) if cycle.phase == Phase.voting else None
    if closes is None:
        return None
    # Calendar days in the site's time zone ("today" on the closing day, whatever the hour), so
    # the figure changes only at the site's midnight, which the page cache's key also holds.
    days = (closes.astimezone(get_timezone()).date() - clock.now().astimezone(get_timezone()).date()).days
    return {"at": closes, "date": format_date(closes, "long"), "time": format_time(closes, "short"),
            "days": max(0, days)}


@bp.get("/projects/<id:project_id>")
@public
def project(project_id: int):
    item = results.with_progress(proposals.public_project_or_404(project_id))
    return render_template("cycles/project.html", project=item, cycle=item.cycle,
                           outcome=results.project_outcome(item) if item.cycle.phase in PUBLISHED else None,
                           tr=Localized([item, item.cycle, *item.ideas, *item.progress], str(get_locale())),
                           **comment_context(item, url_for("deliberation.comment_project", project_id=item.id),
                                            signed_in=current_user.is_authenticated))


@bp.get("/accessibility")
@public
def accessibility():
    return render_template("cycles/accessibility.html")
