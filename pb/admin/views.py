"""Staff pages for running cycles."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from pb.accounts.access import roles
from pb.admin.forms import (
    AbandonForm,
    AdvancePhaseForm,
    CredentialsForm,
    IssueCodesForm,
    SiteForm,
    VoidBatchForm,
)
from pb.cycles.models import Cycle
from pb.cycles.queries import get_cycle_or_404
from pb.db import db
from pb.enums import Phase, Role
from pb.errors import DomainError
from pb.i18n.filters import language_name
from pb.i18n.labels import phase_name
from pb.kiosk import paper_services
from pb.kiosk import queries as kiosk_queries
from pb.kiosk.models import KioskSession, PaperBatch, Site
from pb.kiosk.services import add_site, close_abandoned_kiosk
from pb.lifecycle import services as lifecycle
from pb.transaction import run_action, transaction
from pb.voting.queries import code_batches
from pb.voting.services import issue_access_codes, set_credentials, void_batch

bp = Blueprint("admin", __name__, url_prefix="/admin")
OPEN_PHASES = (Phase.draft, Phase.ideas, Phase.development, Phase.voting)


@bp.get("/")
@roles(Role.staff, Role.liaison, Role.observer)
def dashboard():
    cycles = db.session.scalars(select(Cycle).order_by(Cycle.created_at.desc())).all()
    return render_template("admin/dashboard.html", cycles=cycles, form=AdvancePhaseForm())


@bp.post("/cycles/<slug>/advance")
@roles(Role.staff)
def advance(slug: str):
    cycle = get_cycle_or_404(slug, include_draft=True)
    form = AdvancePhaseForm()
    if not (form.validate_on_submit() and form.current.data in Phase.__members__):
        flash(_("This form has expired. Please try again."), "error")
        return redirect(url_for("admin.dashboard"))
    return run_action(
        lambda: lifecycle.advance(actor=current_user, cycle=cycle, current=Phase(form.current.data),
                                  acknowledge_full_funding=form.acknowledge_full_funding.data),
        success=lambda c: _("The cycle is now in the phase “%(phase)s”.", phase=phase_name(c.phase)),
        then=url_for("admin.dashboard"))


@bp.get("/cycles/<slug>/close")
@roles(Role.staff)
def close_voting(slug: str):
    """The last check before voting closes: every kiosk and paper batch still open."""
    cycle = get_cycle_or_404(slug, include_draft=True)
    if cycle.phase != Phase.voting:
        return redirect(url_for("admin.dashboard"))
    return render_template("admin/close_voting.html", cycle=cycle, form=AdvancePhaseForm(),
                           abandon_form=AbandonForm(),
                           kiosks=kiosk_queries.open_kiosk_sessions(cycle),
                           batches=kiosk_queries.open_or_unreconciled_batches(cycle))


@bp.post("/kiosks/<id:kiosk_id>/abandon")
@roles(Role.staff)
def abandon_kiosk(kiosk_id: int):
    kiosk = kiosk_queries.get_or_404(KioskSession, kiosk_id)
    return _abandon(lambda reason: close_abandoned_kiosk(actor=current_user, kiosk=kiosk, reason=reason),
                    kiosk.cycle_id)


@bp.post("/paper/<id:batch_id>/abandon")
@roles(Role.staff)
def abandon_batch(batch_id: int):
    batch = kiosk_queries.get_or_404(PaperBatch, batch_id)
    return _abandon(lambda reason: paper_services.abandon_batch(actor=current_user, batch=batch, reason=reason),
                    batch.cycle_id)


def _abandon(change, cycle_id: int):
    form, cycle = AbandonForm(), db.session.get(Cycle, cycle_id)
    back = url_for("admin.close_voting", slug=cycle.slug)
    if not form.validate_on_submit():
        flash(_("Give a public reason of 3 to 300 characters."), "error")
        return redirect(back)
    return run_action(lambda: change(form.reason.data), success=_("Set aside, with your reason."), then=back)


@bp.get("/cycles/<slug>/codes")
@roles(Role.staff)
def codes(slug: str):
    cycle = get_cycle_or_404(slug, include_draft=True)
    return _codes_page(cycle)


def _codes_page(cycle, issue_form=None, status=200):
    closed = cycle.phase not in OPEN_PHASES
    credentials = CredentialsForm(access_codes=cycle.allow_access_codes, registration=cycle.allow_registration,
                                  personal_codes=cycle.personal_access_codes)
    issue_form = issue_form or IssueCodesForm(language=cycle.locale)
    issue_form.language.choices = _language_choices(cycle)
    return render_template("admin/codes.html", cycle=cycle, issue_form=issue_form,
                           void_form=VoidBatchForm(), credentials_form=credentials,
                           batches=code_batches(cycle, with_status=closed)), status


@bp.post("/cycles/<slug>/codes")
@roles(Role.staff)
def issue_codes(slug: str):
    cycle = get_cycle_or_404(slug, include_draft=True)
    form = IssueCodesForm()
    form.language.choices = _language_choices(cycle)
    if not form.validate_on_submit():
        return _codes_page(cycle, issue_form=form, status=400)
    try:
        with transaction():
            issued = issue_access_codes(actor=current_user, cycle=cycle, count=form.count.data,
                                        batch=form.batch.data.strip())
    except DomainError as error:
        form.count.errors.append(str(error))
        return _codes_page(cycle, issue_form=form, status=400)
    return print_views.code_sheet(cycle, issued, form.language.data or cycle.locale)


def _language_choices(cycle) -> list[tuple[str, str]]:
    return [(code, language_name(code)) for code in cycle.locales]


@bp.post("/cycles/<slug>/codes/void")
@roles(Role.staff)
def void_codes(slug: str):
    cycle = get_cycle_or_404(slug, include_draft=True)
    form = VoidBatchForm()
    back = url_for("admin.codes", slug=slug)
    if not form.validate_on_submit():
        return redirect(back)
    return run_action(
        lambda: void_batch(actor=current_user, cycle=cycle, batch=form.batch.data.strip()),
        # While voting is open, how many were still unused would give away how many were used.
        success=lambda n: _("The unused codes of this batch are voided.") if cycle.phase == Phase.voting
        else ngettext("%(num)d unused code voided.", "%(num)d unused codes voided.", n),
        then=back)


@bp.post("/cycles/<slug>/credentials")
@roles(Role.staff)
def credentials(slug: str):
    cycle = get_cycle_or_404(slug, include_draft=True)
    form = CredentialsForm()
    back = url_for("admin.codes", slug=slug)
    if not form.validate_on_submit():
        return redirect(back)
    return run_action(
        lambda: set_credentials(actor=current_user, cycle=cycle, access_codes=form.access_codes.data,
                                registration=form.registration.data, personal_codes=form.personal_codes.data),
        success=_("Voting credentials saved."), then=back)


@bp.route("/cycles/<slug>/sites", methods=["GET", "POST"])
@roles(Role.staff)
def sites(slug: str):
    cycle = get_cycle_or_404(slug, include_draft=True)
    form = SiteForm()
    form.area.choices = [("", "—")] + [(str(a.id), a.name) for a in cycle.areas]
    status = 200
    if form.validate_on_submit():
        area = next((a for a in cycle.areas if str(a.id) == form.area.data), None)
        try:
            with transaction():
                add_site(actor=current_user, cycle=cycle, name=form.name.data, area=area)
            flash(_("Site added."), "success")
            return redirect(url_for("admin.sites", slug=slug))
        except DomainError as error:
            form.name.errors.append(str(error))
    if form.errors:
        status = 400
    site_list = db.session.scalars(select(Site).filter_by(cycle_id=cycle.id).order_by(Site.name)).all()
    return render_template("admin/sites.html", cycle=cycle, form=form, sites=site_list), status


@bp.get("/cycles/<slug>/participation")
@roles(Role.staff, Role.observer)
def participation(slug: str):
    cycle = get_cycle_or_404(slug, include_draft=True)
    # While voting is open nobody sees any count, staff included (DESIGN: no early counts).
    counts = None if cycle.phase in OPEN_PHASES else kiosk_queries.participation(cycle)
    return render_template("admin/participation.html", cycle=cycle, counts=counts,
                           min_cell=kiosk_queries.MIN_CELL)


from pb.admin import cycle_views, exports, operations, print_views, users  # noqa: E402,F401  (their routes are on this blueprint)
