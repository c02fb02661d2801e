"""Staff review: answer each idea publicly, and develop advanced ideas into costed projects."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from pb.accounts.access import staff_only
from pb.cycles.models import Cycle
from pb.cycles.queries import get_cycle_or_404
from pb.db import db
from pb.enums import CATEGORIES, IdeaStatus, ProjectStatus
from pb.errors import DomainError
from pb.i18n.content import Localized
from pb.i18n.labels import IDEA_STATUS_NAMES
from pb.proposals import queries, services
from pb.proposals.forms import ProjectForm, ReadyForm, ReviewForm, TranslationForm
from pb.proposals.models import Idea, Project
from pb.proposals.money import breakdown_to_input, cents_to_input
from pb.proposals.views import area_by_slug, area_choices, bp
from pb.security.text import whole_number
from pb.transaction import transaction

OPEN = (IdeaStatus.submitted, IdeaStatus.under_review)


@bp.get("/admin/cycles/<slug>/ideas")
@staff_only
def review_queue(slug: str):
    cycle = get_cycle_or_404(slug, include_draft=True)
    shown = request.args.get("status", "open")
    statuses = OPEN if shown == "open" else [IdeaStatus(shown)] if shown in IdeaStatus.__members__ else None
    query = queries.ideas_query(cycle, queries.IdeaFilters())
    if statuses:
        query = query.where(Idea.status.in_(statuses))
    ideas = db.paginate(query, page=max(request.args.get("page", 1, type=int), 1), per_page=50,
                        error_out=False)
    return render_template("proposals/review_queue.html", cycle=cycle, ideas=ideas, shown=shown,
                           counts=queries.status_counts(cycle, queries.IdeaFilters()),
                           supports=queries.support_counts(ideas.items),
                           projects=queries.cycle_projects(cycle), editable=cycle.phase in services.EDITABLE_PHASES)


@bp.route("/admin/ideas/<id:idea_id>/review", methods=["GET", "POST"])
@staff_only
def review(idea_id: int):
    idea = queries.get_idea_or_404(idea_id, include_draft=True)
    form = ReviewForm(targets=[(str(i.id), f"#{i.id} {i.title}") for i in queries.merge_targets(idea)],
                      data={"status": idea.status.value, "reason": idea.status_reason,
                            "merged_into": str(idea.merged_into_id or "")})
    error = None
    if form.validate_on_submit():
        target = form.merged_into.data
        try:
            with transaction():
                services.review_idea(actor=current_user, idea=idea, status=IdeaStatus(form.status.data),
                                     reason=form.reason.data,
                                     merged_into=db.session.get(Idea, number) if (number := whole_number(target)) else None)
            flash(_("The idea's status is now “%(status)s”.", status=IDEA_STATUS_NAMES[idea.status]), "success")
            if idea.status == IdeaStatus.advanced:  # next step: its project, offered on this page
                return redirect(url_for("proposals.review", idea_id=idea.id))
            return redirect(url_for("proposals.review_queue", slug=idea.cycle.slug))
        except DomainError as refused:
            error = refused
    return render_template("proposals/review.html", idea=idea, cycle=idea.cycle, form=form, error=error,
                           timeline=queries.timeline(idea)), 400 if request.method == "POST" else 200


@bp.route("/admin/cycles/<slug>/projects/new", methods=["GET", "POST"])
@staff_only
def new_project(slug: str):
    cycle = get_cycle_or_404(slug, include_draft=True)
    candidates = queries.ideas_for_new_project(cycle)
    form = ProjectForm(cycle=cycle, areas=_areas(cycle), categories=cycle.categories,
                       ideas=[(str(i.id), f"#{i.id} {i.title}") for i in candidates],
                       data=_from_idea(next((i for i in candidates if str(i.id) == request.args.get("idea")), None)))
    error = None
    if form.validate_on_submit():
        try:
            with transaction():
                project = services.create_project(actor=current_user, cycle=cycle, locale=form.locale.data,
                                                  ideas=[i for i in candidates if str(i.id) in form.ideas.data],
                                                  **_project_fields(cycle, form))
            flash(_("The project was created. Add its other languages, then mark it ready for the ballot."), "success")
            return redirect(url_for("proposals.edit_project", project_id=project.id))
        except DomainError as refused:
            error = refused
    return render_template("proposals/project_form.html", cycle=cycle, form=form, project=None,
                           error=error, editable=cycle.phase in services.EDITABLE_PHASES), \
        400 if request.method == "POST" else 200


@bp.route("/admin/projects/<id:project_id>/edit", methods=["GET", "POST"])
@staff_only
def edit_project(project_id: int):
    project = queries.get_project_or_404(project_id)
    form = ProjectForm(cycle=project.cycle, areas=_areas(project.cycle),
                       categories=_categories(project), data=_from_project(project))
    if not form.validate_on_submit():
        return _edit_page(project, form=form, status=400 if request.method == "POST" else 200)
    was_ready = project.status == ProjectStatus.ready
    try:
        with transaction():
            services.update_project(actor=current_user, project=project, **_project_fields(project.cycle, form))
    except DomainError as refused:
        return _edit_page(project, form=form, error=refused, status=400)
    flash(_("The project was saved."), "success")
    _flash_if_withdrawn(was_ready, project)
    return redirect(url_for("proposals.edit_project", project_id=project.id))


@bp.post("/admin/projects/<id:project_id>/translation")
@staff_only
def translate_project(project_id: int):
    project = queries.get_project_or_404(project_id)
    form = _translation_form(project)
    if not form.validate_on_submit():
        return _edit_page(project, translation_form=form, status=400)
    was_ready = project.status == ProjectStatus.ready
    try:
        with transaction():
            services.translate_project(actor=current_user, project=project, locale=form.locale.data,
                                       title=form.title.data, summary=form.summary.data)
    except DomainError as refused:
        return _edit_page(project, translation_form=form, error=refused, status=400)
    flash(_("The translation was saved."), "success")
    _flash_if_withdrawn(was_ready, project)
    return redirect(url_for("proposals.edit_project", project_id=project.id))


@bp.post("/admin/projects/<id:project_id>/ready")
@staff_only
def ready_project(project_id: int):
    project = queries.get_project_or_404(project_id)
    form = ReadyForm()
    if not form.validate_on_submit():
        return _edit_page(project, status=400)
    mark = services.mark_ready if form.ready.data == "1" else services.mark_draft
    try:
        with transaction():
            mark(actor=current_user, project=project)
    except DomainError as refused:
        return _edit_page(project, error=refused, status=400)
    flash(_("The project is ready for the ballot.") if form.ready.data == "1"
          else _("The project is back in development."), "success")
    return redirect(url_for("proposals.edit_project", project_id=project.id))


def _flash_if_withdrawn(was_ready: bool, project: Project) -> None:
    if was_ready and project.status != ProjectStatus.ready:
        flash(_("Its translations must be checked again, so the project is back in development. "
                "Mark it ready when they are."), "info")


def _categories(project: Project) -> list[str]:
    """The cycle's categories, and the project's own if staff since took it off the list."""
    listed = list(project.cycle.categories or CATEGORIES)
    return listed if project.category in listed else [*listed, project.category]


def _edit_page(project: Project, *, form=None, translation_form=None, error=None, status=200):
    cycle = project.cycle
    form = form or ProjectForm(cycle=cycle, areas=_areas(cycle), formdata=None,
                               categories=_categories(project), data=_from_project(project))
    return render_template("proposals/project_form.html", cycle=cycle, project=project, form=form,
                           translation_form=translation_form or _translation_form(project, formdata=None),
                           translations=queries.project_translations(project), ready_form=ReadyForm(),
                           error=error, editable=cycle.phase in services.EDITABLE_PHASES), status


def _translation_form(project: Project, **kwargs) -> TranslationForm:
    # Prefixed: it shares the page with the project form, and ids must stay unique.
    return TranslationForm(locales=[code for code in project.cycle.locales if code != project.locale],
                           prefix="translation", **kwargs)


def _areas(cycle: Cycle) -> list[tuple[str, str]]:
    return area_choices(cycle, Localized(cycle.areas, str(get_locale())))


def _project_fields(cycle: Cycle, form: ProjectForm) -> dict:
    return {"title": form.title.data, "summary": form.summary.data, "cost_cents": form.cost_cents,
            "cost_breakdown": form.breakdown_items, "category": form.category.data,
            "area": area_by_slug(cycle, form.area.data), "feasibility_notes": form.feasibility_notes.data}


def _from_idea(idea: Idea | None) -> dict:
    """A new project starts from the idea staff chose on its review page."""
    if idea is None:
        return {"locale": str(get_locale())}
    return {"ideas": [str(idea.id)], "title": idea.title, "summary": idea.body, "locale": idea.locale,
            "category": idea.category, "area": idea.area.slug if idea.area else ""}


def _from_project(project: Project) -> dict:
    return {"title": project.title, "summary": project.summary, "locale": project.locale,
            "cost": cents_to_input(project.cost_cents), "breakdown": breakdown_to_input(project.cost_breakdown),
            "category": project.category, "area": project.area.slug if project.area else "",
            "feasibility_notes": project.feasibility_notes}
