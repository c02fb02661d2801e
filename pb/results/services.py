"""Count the sealed box, sign a count off for publication, report progress on funded projects."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select

from pb.audit.services import record
from pb.cycles.models import Cycle
from pb.db import db, utcnow
from pb.enums import Phase, ProgressStatus, TallyStatus
from pb.errors import DomainError, NotAllowed, WrongPhase
from pb.notifications import notify
from pb.proposals.models import Project
from pb.proposals.rules import clean_text
from pb.results.models import GrantTerms, ProgressRevision, ProgressUpdate, TallySnapshot
from pb.results.tally import count_options, election_for
from pb.tally import TallyError, count
from pb.translations.services import register_translatable
from pb.voting.models import BoxSeal

MAX_BODY, MAX_NOTE, MAX_REASON = 4000, 300, 1000
MAX_GRANTEE, MAX_TERMS, MAX_SERVED = 200, 4000, 10_000_000


class OverBudget(DomainError):
    """More was reported spent than the project was funded, with no reason given."""


def run_tally(*, actor, cycle: Cycle, reason: str = "") -> TallySnapshot:
    """Count the sealed box with the cycle's published rule and tie-break (a provisional result).

    After publication a new count is a correction and needs a public reason; an unpublished
    provisional count is replaced (kept, marked superseded).
    """
    if cycle.phase not in (Phase.tallying, Phase.results, Phase.implementation):
        raise WrongPhase(_l("Votes can be counted only after voting has closed."))
    if db.session.get(BoxSeal, cycle.id) is None:
        raise DomainError(_l("The ballot box has not been sealed."))
    published = current_snapshot(cycle)
    if published is not None and not reason.strip():
        raise DomainError(_l("A result is already published. Give the public a reason for counting again."))
    options = count_options(cycle)
    try:
        result = count(election_for(cycle), **options)
    except TallyError as error:
        raise DomainError(_l("The count could not run: %(error)s"), error=str(error)) from None
    for old in db.session.scalars(select(TallySnapshot).filter_by(cycle_id=cycle.id, status=TallyStatus.provisional)):
        old.status = TallyStatus.superseded
    snapshot = TallySnapshot(cycle_id=cycle.id, rule=result.rule, params=options, tie_break=result.tie_break,
                             input_sha256=result.input_sha256, result_sha256=result.result_sha256,
                             result=result.to_dict(), created_by_id=actor.id,
                             correction_reason=reason.strip())
    db.session.add(snapshot)
    record("tally.run", actor=actor, obj=cycle,
           data={"rule": result.rule, "tie_break": result.tie_break, "complete": result.complete,
                 "input_sha256": result.input_sha256, "result_sha256": result.result_sha256,
                 "correction_reason": snapshot.correction_reason})
    return snapshot


def sign_off(*, actor, snapshot: TallySnapshot) -> TallySnapshot:
    """A second staff member signs off; the result becomes public and cannot be withdrawn.

    Called by pb.lifecycle.services.publish_result, which also ends the counting phase.
    """
    if snapshot.status != TallyStatus.provisional:
        raise DomainError(_l("Only the latest provisional result can be published."))
    if snapshot.created_by_id == actor.id:
        raise NotAllowed(_l("Publication needs a second staff member: the person who ran the count cannot sign it off."))
    if not snapshot.result.get("complete", False):
        raise DomainError(_l("This count stopped at a tie the published tie-break cannot settle; it cannot be published."))
    cycle = db.session.get(Cycle, snapshot.cycle_id)
    previous = current_snapshot(cycle)
    if previous is not None:
        previous.status = TallyStatus.superseded
    snapshot.status, snapshot.signed_off_by_id, snapshot.published_at = TallyStatus.published, actor.id, utcnow()
    record("tally.publish", actor=actor, obj=cycle,
           data={"result_sha256": snapshot.result_sha256, "input_sha256": snapshot.input_sha256,
                 "winners": snapshot.result["winners"], "supersedes": previous.result_sha256 if previous else None,
                 "correction_reason": snapshot.correction_reason})
    return snapshot


_CURRENT = select(TallySnapshot).where(TallySnapshot.cycle_id == bindparam("cycle_id"),
                                       TallySnapshot.status == TallyStatus.published)


def current_snapshot(cycle: Cycle) -> TallySnapshot | None:
    """The published result now in force, if any."""
    return db.session.scalars(_CURRENT, {"cycle_id": cycle.id}).first()


def post_progress(*, actor, project, status: ProgressStatus, percent: int, spent_cents: int,
                  body: str, locale: str, over_budget_reason: str = "") -> ProgressUpdate:
    """A public progress report on a funded project (plain text, one report in its author's
    language; readers get it through the translation queue). Spending above the funded
    amount needs a public reason."""
    snapshot = current_snapshot(project.cycle)
    if snapshot is None or str(project.id) not in snapshot.result["winners"]:
        raise DomainError(_l("Progress can be reported only on funded projects."))
    status, reason = _checked_progress(project, status, percent, spent_cents, body, over_budget_reason)
    update = ProgressUpdate(project_id=project.id, status=status, percent=percent, spent_cents=spent_cents,
                            body=body.strip(), locale=locale, author_id=actor.id, over_budget_reason=reason)
    db.session.add(update)
    record("progress.post", actor=actor, obj=project,
           data={"status": str(status), "percent": percent, "spent_cents": spent_cents,
                 "over_budget_reason": reason})
    notify.progress_posted(project, update)
    return update


def correct_progress(*, actor, update: ProgressUpdate, status: ProgressStatus, percent: int, spent_cents: int,
                     body: str, note: str, over_budget_reason: str = "") -> ProgressUpdate:
    """Correct a progress report in public: the version it replaces is kept (ProgressRevision)
    with who corrected it, when and why; the page says "corrected on ..." and shows it."""
    note = (note or "").strip()
    if not 3 <= len(note) <= MAX_NOTE:
        raise DomainError(_l("Say in a few words what you corrected (3 to %(n)d characters)."), n=MAX_NOTE)
    status, reason = _checked_progress(update.project, status, percent, spent_cents, body, over_budget_reason)
    new = (status, percent, spent_cents, body.strip(), reason)
    if new == (update.status, update.percent, update.spent_cents, update.body, update.over_budget_reason):
        raise DomainError(_l("Nothing was changed. Change the report, or go back."))
    db.session.add(ProgressRevision(
        update_id=update.id, status=update.status, percent=update.percent, spent_cents=update.spent_cents,
        body=update.body, over_budget_reason=update.over_budget_reason,
        shown_from=update.edited_at or update.created_at, replaced_by_id=actor.id, correction_note=note))
    update.status, update.percent, update.spent_cents, update.body, update.over_budget_reason = new
    update.edited_at = utcnow()
    record("progress.correct", actor=actor, obj=update.project,
           data={"update": update.id, "status": str(status), "percent": percent, "spent_cents": spent_cents,
                 "over_budget_reason": reason, "note": note})
    return update


def _checked_progress(project, status, percent: int, spent_cents: int, body: str,
                      over_budget_reason: str) -> tuple[ProgressStatus, str]:
    """The rules a report meets whether new or corrected; returns the status and the reason kept."""
    if status not in ProgressStatus.__members__:
        raise DomainError(_l("Choose one of the listed stages."))
    if not 0 <= percent <= 100:
        raise DomainError(_l("Progress is a percentage from 0 to 100."))
    if spent_cents < 0:
        raise DomainError(_l("The amount spent cannot be negative."))
    if len(body.strip()) > MAX_BODY:
        raise DomainError(_l("Write at most %(n)d characters."), n=MAX_BODY)
    reason = (over_budget_reason or "").strip()
    if spent_cents <= project.cost_cents:
        return ProgressStatus(status), ""  # a reason only explains spending above the funded amount
    if not 10 <= len(reason) <= MAX_REASON:
        raise OverBudget(_l("This is more than the funded amount. Explain why in 10 to %(n)d characters; "
                            "the reason is shown to the public."), n=MAX_REASON)
    return ProgressStatus(status), reason


def set_grant_terms(*, actor, project, grantee: str, restriction: str, persons_served: int | None,
                    objectives: str) -> GrantTerms:
    """Write down the terms of a funded project's restricted grant (public, like the result;
    audited as `grant.terms` with every field that changed)."""
    snapshot = current_snapshot(project.cycle)
    if snapshot is None or str(project.id) not in snapshot.result["winners"]:
        raise DomainError(_l("Grant terms can be written only for funded projects."))
    if persons_served is not None and not 0 <= persons_served <= MAX_SERVED:
        raise DomainError(_l("The number of people it should serve must be a whole number from 0 to %(n)s."), n=f"{MAX_SERVED:,}")
    new = {"grantee": clean_text(grantee, field=_l("Who carries it out"), limits=MAX_GRANTEE, one_line=True),
           "restriction": clean_text(restriction, field=_l("What the money may be spent on"), limits=(10, MAX_TERMS)),
           "persons_served": persons_served,
           "objectives": clean_text(objectives, field=_l("Measurable objectives"), limits=MAX_TERMS)}
    terms = db.session.get(GrantTerms, project.id) or GrantTerms(project_id=project.id)
    changed = sorted(name for name, value in new.items() if getattr(terms, name, None) != value)
    if not changed and terms in db.session:
        raise DomainError(_l("Nothing was changed. Change the terms, or go back."))
    for name, value in new.items():
        setattr(terms, name, value)
    terms.updated_at = utcnow()
    db.session.add(terms)
    record("grant.terms", actor=actor, obj=project, data={"changed": changed, **{name: new[name] for name in changed}})
    return terms


def grant_terms(projects) -> dict[int, GrantTerms]:
    """The written grant terms of these projects, by project id."""
    ids = [p.id for p in projects]
    return {t.project_id: t for t in db.session.scalars(select(GrantTerms).where(GrantTerms.project_id.in_(ids)))}


def funded_progress(cycle: Cycle) -> list[ProgressUpdate]:
    """Every progress report of a cycle (for the translation queue and exports)."""
    return list(db.session.scalars(select(ProgressUpdate).join(Project, ProgressUpdate.project_id == Project.id)
                                   .where(Project.cycle_id == cycle.id).order_by(ProgressUpdate.id)))


register_translatable(ProgressUpdate, ("body",), in_cycle=funded_progress)
