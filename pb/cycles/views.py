"""Public pages: the home page, a cycle's page and its ballot projects."""

from datetime import datetime
from functools import lru_cache

from babel.dates import get_timezone_name
from flask import Blueprint, render_template, request, url_for
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
from pb.i18n.filters import format_date, format_datetime, format_time
from pb.proposals import queries as proposals
from pb.results import queries as results

bp = Blueprint("cycles", __name__)
PUBLISHED = (Phase.results, Phase.implementation)  # phases in which a result can be public


@bp.get("/")
@public
def home():
    cycles = queries.public_cycles()
    tr = Localized(cycles, str(get_locale()))
    # All the list shows, so that it can be kept under it (pb.fragments adds the language).
    shown = tuple((cycle.slug, tr(cycle, "title"), cycle.budget_cents, cycle.currency, cycle.phase) for cycle in cycles)
    cards = fragment("cycles/_home.html", "cards", (request.script_root, shown), shown)
    return render_template("cycles/home.html", cards=cards)


@bp.get("/cycles/<slug>")
@public
def detail(slug: str):
    cycle = queries.get_cycle_or_404(slug)
    areas = queries.area_names(cycle)
    locale = str(get_locale())
    projects = proposals.ballot_cards(cycle, locale) if cycle.phase != Phase.ideas else []
    outcomes = results.outcomes(cycle) if cycle.phase in PUBLISHED else {}
    tr = Localized([cycle, *areas], locale)
    starts = queries.phase_starts(cycle)
    # Everything the page's content shows, so the rendered content can be kept under it (the
    # language is added by pb.fragments; dates depend on the time zone, links on the script root).
    shown = (tr(cycle, "title"), tr(cycle, "description"), cycle.slug, cycle.phase, cycle.budget_cents,
             cycle.currency, _voting_closes(cycle.phase, starts), _zone_name(), phase_spans(starts),
             tuple(tr(area, "name") for area in areas), proposals.idea_total(cycle),
             tuple((p.id, p.title, p.cost_cents, outcomes.get(p.id)) for p in projects), bool(outcomes))
    content = fragment("cycles/_detail.html", "content", (request.script_root, str(get_timezone()), *shown), *shown)
    return render_template("cycles/detail.html", title=shown[0], content=content)


def _zone_name() -> str:
    """The site's time zone in the reader's words ("Central Time", "hora central", "UTC")."""
    return _zone_name_in(get_timezone(), str(get_locale()))


@lru_cache(maxsize=256)
def _zone_name_in(zone, locale: str) -> str:
    # A zone's generic name does not depend on the date (UTC has no daylight saving time).
    if str(zone) in ("UTC", "Etc/UTC"):  # Babel calls it "Unknown Region (UTC) Time"
        return format_datetime(clock.now(), "zzzz")
    return get_timezone_name(zone, locale=locale)


def phase_spans(starts: dict[Phase, datetime]) -> tuple[tuple[Phase, datetime | None, datetime | None], ...]:
    """(phase, announced start, announced end) for every public phase; a phase ends when the
    next phase with a date starts."""
    phases = list(Phase)[1:]
    dates = [starts.get(p) for p in phases]
    return tuple((p, dates[i], next((s for s in dates[i + 1:] if s), None)) for i, p in enumerate(phases))


def _voting_closes(phase: Phase, starts: dict[Phase, datetime]) -> tuple | None:
    """During voting: when it closes (the announced start of tallying) as (ISO time, date and
    time in the reader's language and the site's time zone, days from today)."""
    closes = starts.get(Phase.tallying) if phase == Phase.voting else None
    if closes is None:
        return None
    # Calendar days in the site's time zone ("today" on the closing day, whatever the hour), so
    # the figure changes only at the site's midnight, which the page cache's key also holds.
    days = (closes.astimezone(get_timezone()).date() - clock.now().astimezone(get_timezone()).date()).days
    return closes.isoformat(), format_date(closes, "long"), format_time(closes, "short"), max(0, days)


@bp.get("/projects/<id:project_id>")
@public
def project(project_id: int):
    item = results.with_progress(proposals.public_project_or_404(project_id))
    cycle = item.cycle
    tr = Localized([item, cycle, *item.ideas, *item.progress], str(get_locale()))
    outcome = results.project_outcome(item) if cycle.phase in PUBLISHED else None
    head = (cycle.slug, tr(cycle, "title"), tr(item, "title"), outcome and (outcome["funded"], outcome["points"]))
    body = (tr(item, "summary"), item.cost_cents, cycle.currency, item.category, item.locale,
            tuple((line["item"], line["cents"]) for line in item.cost_breakdown or ()),
            tuple((idea.id, tr(idea, "title")) for idea in item.ideas))
    return render_template("cycles/project.html", project=item, cycle=cycle, tr=tr, title=head[2],
                           head=_project_part("head", head), body=_project_part("body", body),
                           **comment_context(item, url_for("deliberation.comment_project", project_id=item.id),
                                            signed_in=current_user.is_authenticated))


def _project_part(macro: str, shown: tuple) -> Markup:
    """A part of the project page that is the same for every visitor, kept under all it shows."""
    return fragment("cycles/_project.html", macro, (request.script_root, *shown), *shown)


@bp.get("/accessibility")
@public
def accessibility():
    return render_template("cycles/accessibility.html")
