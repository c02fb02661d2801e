"""Public idea pages: share an idea, browse and search every idea, see what became of each."""

from __future__ import annotations

import hashlib
import secrets

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    get_template_attribute,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from pb.accounts.access import public, roles, signed_in
from pb.cycles.models import Cycle
from pb.cycles.queries import get_cycle_or_404
from pb.deliberation.queries import comment_context
from pb.enums import Channel, IdeaStatus, Phase, Role
from pb.errors import DomainError, NotAllowed
from pb.fragments import fragment
from pb.i18n.content import Localized
from pb.proposals import queries, rules, services
from pb.proposals.forms import (
    EditIdeaForm,
    IdeaFilterForm,
    IdeaForm,
    OnBehalfForm,
    SupportForm,
    WithdrawIdeaForm,
)
from pb.results.queries import project_outcome, with_progress
from pb.transaction import run_action, transaction
from pb.urls import url_for as item_url

bp = Blueprint("proposals", __name__)
PAGE_SIZE = 20
COUNTED = (Phase.tallying, Phase.results, Phase.implementation)


def area_choices(cycle: Cycle, tr: Localized) -> list[tuple[str, str]]:
    return [(a.slug, tr(a, "name").text) for a in cycle.areas]


def area_by_slug(cycle: Cycle, slug: str | None):
    return next((a for a in cycle.areas if a.slug == slug), None)


@bp.get("/cycles/<slug>/ideas")
@public
def index(slug: str):
    cycle = get_cycle_or_404(slug, load=("areas",))
    locale = str(get_locale())
    tr = Localized([cycle, *cycle.areas], locale)  # the heading's and the filter's, in one query
    areas = area_choices(cycle, tr)
    form = IdeaFilterForm(request.args, areas=areas, categories=cycle.categories)
    form.validate()
    filters = _filters(cycle, form)
    # ?page=99999 shows the last page, not "Page 99999 of 2"
    ideas, counts = queries.idea_page(cycle, filters, page=request.args.get("page", 1, type=int), per_page=PAGE_SIZE,
                                      reader=locale)
    return render_template("proposals/index.html", cycle=cycle, tr=tr,
                           listing=_listing(cycle, areas, form, ideas, counts))


def _listing(cycle: Cycle, areas: list[tuple[str, str]], form: IdeaFilterForm, ideas, counts) -> Markup:
    """The list under the heading. Without filters it is kept per language under everything it
    shows: the counts, the cards, the page, the filter choices (the cycle's neighbourhoods in
    this language and its categories) and the script root of its links. A filtered list is
    rendered each time: what a visitor asks for is not kept."""
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    shown = (cycle.slug, counts, form, args, ideas, _card)
    if request.args.keys() - {"page"}:  # any filter, even an empty one, changes the form (its "All" is picked)
        return get_template_attribute("proposals/_listing.html", "listing")(*shown)
    key = (request.script_root, cycle.slug, tuple(counts.items()), tuple(areas), tuple(cycle.categories or ()),
           ideas.page, ideas.total, *ideas.items)
    return fragment("proposals/_listing.html", "listing", key, *shown)


def _card(idea: queries.IdeaCard) -> Markup:
    url = item_url("proposals.detail", idea_id=idea.id)
    return fragment("proposals/_card.html", "card", (*idea, url), idea, idea.title, url)


def _filters(cycle: Cycle, form: IdeaFilterForm) -> queries.IdeaFilters:
    area = area_by_slug(cycle, form.chosen("area"))
    status = form.chosen("status")
    return queries.IdeaFilters(category=form.chosen("category") or None, area_id=getattr(area, "id", None),
                               status=IdeaStatus(status) if status else None,
                               locale=form.chosen("language") or None,
                               q="" if form.q.errors else " ".join((form.q.data or "").split()))


@bp.get("/ideas/<id:idea_id>")
@public
def detail(idea_id: int):
    idea = queries.public_idea_or_404(idea_id)
    project = idea.project or (idea.merged_into.project if idea.merged_into else None)
    if project is not None:
        with_progress(project)
    related = [idea, idea.cycle, *idea.merged, *filter(None, [idea.area, idea.merged_into, project]),
               *(project.progress if project else ())]  # progress reports, in the reader's language
    # Votes are counted, so a result can be published, only from the counting phase on
    # (pb.results.services.run_tally): before it there is no outcome to look up.
    outcome = project_outcome(project) if project is not None and idea.cycle.phase in COUNTED else None
    return render_template("proposals/detail.html", idea=idea, cycle=idea.cycle, project=project, outcome=outcome,
                           supports=queries.support_count(idea) if idea.cycle.show_support_counts else None,
                           is_author=_is_author(idea),
                           supporting=current_user.is_authenticated and services.supports(user=current_user, idea=idea) is not None,
                           timeline=_timeline(idea), tr=Localized(related, str(get_locale())),
                           **comment_context(idea, url_for("deliberation.comment_idea", idea_id=idea.id),
                                            signed_in=current_user.is_authenticated))


def _timeline(idea) -> Markup:
    """The idea's timeline, rendered once per language for the same events: an event never
    changes (its number and hash say which), and its only link depends on the script root."""
    events = queries.timeline(idea)
    return fragment("proposals/_timeline.html", "events", (request.script_root, *((e.seq, e.hash) for e in events)),
                    events)


def _is_author(idea) -> bool:
    return current_user.is_authenticated and idea.author_id is not None and idea.author_id == current_user.id


@bp.route("/ideas/<id:idea_id>/edit", methods=["GET", "POST"])
@signed_in
def edit_idea(idea_id: int):
    """The author changes or withdraws their own idea while ideas are collected."""
    idea = queries.get_idea_or_404(idea_id)
    try:
        services.check_author_may_change(current_user, idea)
    except NotAllowed:
        abort(403)
    except DomainError as error:
        flash(str(error), "error")
        return redirect(url_for("proposals.detail", idea_id=idea.id))
    form = EditIdeaForm(obj=idea)
    if form.validate_on_submit():
        return run_action(lambda: services.edit_idea(actor=current_user, idea=idea, title=form.title.data,
                                                     body=form.body.data, location_text=form.location_text.data),
                          then=url_for("proposals.detail", idea_id=idea.id), success=_("Your changes are saved."))
    return render_template("proposals/edit.html", idea=idea, cycle=idea.cycle, form=form,
                           withdraw_form=WithdrawIdeaForm()), 400 if form.errors else 200


@bp.post("/ideas/<id:idea_id>/withdraw")
@signed_in
def withdraw_idea(idea_id: int):
    idea = queries.get_idea_or_404(idea_id)
    form = WithdrawIdeaForm()
    if not form.validate_on_submit():
        flash(" ".join(form.reason.errors) or _("Please try again."), "error")
        return redirect(url_for("proposals.edit_idea", idea_id=idea.id))
    return run_action(lambda: services.withdraw_idea(actor=current_user, idea=idea, reason=form.reason.data),
                      then=url_for("proposals.detail", idea_id=idea.id), success=_("Your idea is withdrawn."))


@bp.post("/ideas/<id:idea_id>/support")
@roles(Role.resident)
def support_idea(idea_id: int):
    idea = queries.get_idea_or_404(idea_id)
    form = SupportForm()
    if not form.validate_on_submit():
        abort(400)
    then = url_for("proposals.detail", idea_id=idea.id)
    if form.action.data == "support":
        return run_action(lambda: services.support_idea(actor=current_user, idea=idea), then=then,
                          success=_("Thank you. You support this idea."))
    return run_action(lambda: services.unsupport_idea(actor=current_user, idea=idea), then=then,
                      success=_("You no longer support this idea."))


@bp.route("/cycles/<slug>/ideas/new", methods=["GET", "POST"])
@public
def new(slug: str):
    cycle = get_cycle_or_404(slug)
    actor = current_user if current_user.is_authenticated else None
    form = IdeaForm(areas=area_choices(cycle, Localized(cycle.areas, str(get_locale()))),
                    categories=cycle.categories, locale=str(get_locale()))
    return _submit(cycle, form, actor=actor, channel=Channel.online, author=actor,
                   submitter_key=_session_key() if actor is None and request.method == "POST" else None,
                   hourly_limit=current_app.config.get("IDEA_HOURLY_LIMIT", rules.HOURLY_LIMIT))


@bp.route("/cycles/<slug>/ideas/new/on-behalf", methods=["GET", "POST"])
@roles(Role.liaison, Role.staff)
def new_on_behalf(slug: str):
    cycle = get_cycle_or_404(slug)
    form = OnBehalfForm(areas=area_choices(cycle, Localized(cycle.areas, str(get_locale()))),
                        categories=cycle.categories, locale=str(get_locale()))
    channel = Channel.kiosk if form.channel.data == "kiosk" else Channel.paper
    return _submit(cycle, form, actor=current_user, channel=channel, author=None,
                   hourly_limit=current_app.config.get("IDEA_LIAISON_HOURLY_LIMIT",
                                                       rules.LIAISON_HOURLY_LIMIT))


def _submit(cycle: Cycle, form: IdeaForm, *, actor, channel: Channel, **submit_args):
    """Shared by both idea forms: refuse early when closed, else validate, submit, commit once."""
    closed, error, status = _refusal(actor, cycle, channel), None, 200
    if request.method == "POST":
        status = 400
        if closed is None and form.validate_on_submit():
            try:
                with transaction():
                    idea = services.submit_idea(
                        actor=actor, cycle=cycle, channel=channel, title=form.title.data, body=form.body.data,
                        category=form.category.data, locale=form.locale.data,
                        area=area_by_slug(cycle, form.area.data), location_text=form.location_text.data,
                        contact=form.contact.data, **submit_args)
                flash(_("Thank you. Your idea is now public, and staff will review it."), "success")
                return redirect(url_for("proposals.detail", idea_id=idea.id))
            except DomainError as refused:
                error, status = refused, 429 if isinstance(refused, services.RateLimited) else 400
    return render_template("proposals/new.html", cycle=cycle, form=form, closed=closed, error=error,
                           on_behalf=channel != Channel.online, tr=Localized([cycle], str(get_locale()))), status


def _refusal(actor, cycle: Cycle, channel: Channel) -> DomainError | None:
    try:
        services.check_submitter(actor=actor, cycle=cycle, channel=channel)
    except DomainError as error:
        return error
    return None


def _session_key() -> str:
    """A hash of a random token kept in this browser's session: anonymous ideas from one
    session count together for the duplicate and hourly rules, without naming anyone."""
    token = session.setdefault("idea_token", secrets.token_hex(16))
    return hashlib.sha256(token.encode()).hexdigest()


from pb.proposals import staff_views  # noqa: E402,F401  (staff routes on this blueprint)
