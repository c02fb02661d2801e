"""Submit ideas, answer them publicly, and turn advanced ideas into ballot projects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from pb.audit.services import record
from pb.cycles.models import Area, Cycle
from pb.cycles.queries import lock_cycle
from pb.db import db, utcnow
from pb.enums import CATEGORIES, Channel, IdeaStatus, Phase, ProjectStatus, Role
from pb.errors import DomainError, NotAllowed, WrongPhase
from pb.i18n.content import set_translation, unreviewed_locales
from pb.i18n.filters import language_name, money
from pb.i18n.locales import SHIPPED
from pb.notifications import notify
from pb.proposals import rules
from pb.proposals.models import Idea, IdeaRevision, IdeaSupport, Project

# Statuses that close an idea and therefore owe the public a reason.
NEEDS_REASON = {IdeaStatus.merged, IdeaStatus.not_eligible, IdeaStatus.not_feasible}
# The ballot is frozen from the moment voting opens: the votes, their count and the published
# result all refer to the text and costs voters saw, so they never change afterwards.
EDITABLE_PHASES = {Phase.draft, Phase.ideas, Phase.development}
ENTERING_ROLES = {Role.liaison, Role.staff}  # may enter paper and kiosk ideas for residents
# An idea its author may still edit or withdraw, and residents may still support.
OPEN_STATUSES = {IdeaStatus.submitted, IdeaStatus.under_review}


class RateLimited(DomainError):
    """Too many ideas from one submitter in the last hour."""


@dataclass(frozen=True)
class AnonymousResident:
    """The actor of an idea sent without an account: recorded as a resident, never named."""

    id: None = None
    role: str = "resident"


ANONYMOUS = AnonymousResident()


def submit_idea(*, actor, cycle: Cycle, title: str, body: str, category: str, locale: str,
                channel: Channel = Channel.online, area: Area | None = None,
                location_text: str = "", contact: str = "", author=None,
                submitter_key: str | None = None, hourly_limit: int | None = None) -> Idea:
    """A new idea, accepted only while the cycle collects ideas.

    `actor` is None for an anonymous resident (then `submitter_key` identifies the browser
    session); paper and kiosk ideas are entered by a liaison or staff member for a resident.
    `hourly_limit` (set by the web views, not by imports) caps ideas per submitter per hour.
    """
    check_submitter(actor=actor, cycle=cycle, channel=channel)
    idea = Idea(cycle=cycle, channel=channel, area=_checked_area(cycle, area),
                category=_checked_category(cycle, category), locale=_checked_locale(locale),
                title=rules.clean_text(title, field=_l("Title"), limits=rules.TITLE, one_line=True),
                body=rules.clean_text(body, field=_l("Description"), limits=rules.BODY),
                location_text=rules.clean_text(location_text, field=_l("Location"),
                                               limits=rules.LOCATION_MAX, one_line=True),
                contact=rules.clean_text(contact, field=_l("Contact"), limits=rules.CONTACT_MAX,
                                         one_line=True),
                author_id=getattr(author, "id", None) if channel == Channel.online else None,
                entered_by_id=actor.id if channel != Channel.online else None,
                submitter_key=submitter_key if actor is None else None)
    _check_not_repeated(idea, hourly_limit)
    db.session.add(idea)
    record("idea.submit", actor=actor or ANONYMOUS, obj=idea,
           data={"channel": str(channel), "locale": idea.locale})
    return idea


def check_submitter(*, actor, cycle: Cycle, channel: Channel) -> None:
    """Refuse before any typing: the phase is closed, or this actor may not use this channel."""
    if cycle.phase != Phase.ideas:
        raise WrongPhase(_l("This cycle is not collecting ideas now."))
    if actor is None and not cycle.allow_anonymous_ideas:
        raise NotAllowed(_l("Sign in to share an idea in this cycle, or ask a community liaison."))
    if channel != Channel.online and getattr(actor, "role", None) not in ENTERING_ROLES:
        raise NotAllowed(_l("Only community liaisons and staff enter paper and kiosk ideas."))
    if getattr(actor, "role", None) == Role.observer:
        raise NotAllowed(_l("Observers can read ideas but not submit them."))


def _same_submitter(idea: Idea):
    """A filter for earlier ideas from whoever sent `idea`, or None if they cannot be known."""
    if idea.entered_by_id is not None:
        return Idea.entered_by_id == idea.entered_by_id
    if idea.author_id is not None:
        return Idea.author_id == idea.author_id
    if idea.submitter_key is not None:
        return Idea.submitter_key == idea.submitter_key
    return None


def _check_not_repeated(idea: Idea, hourly_limit: int | None) -> None:
    """Refuse the same idea twice from one submitter, and more than `hourly_limit` an hour."""
    same = _same_submitter(idea)
    if same is None:
        return
    ours = select(func.count()).select_from(Idea).where(same)
    if db.session.scalar(ours.where(Idea.cycle_id == idea.cycle.id,
                                    func.lower(Idea.title) == idea.title.lower(),
                                    Idea.body == idea.body)):
        raise DomainError(_l("This idea has already been submitted. You can find it in the list of ideas."))
    if hourly_limit is not None and db.session.scalar(
            ours.where(Idea.created_at >= utcnow() - timedelta(hours=1))) >= hourly_limit:
        raise RateLimited(_l("You have shared many ideas in the last hour. Please wait a while and try again."))


def _checked_category(cycle: Cycle, category: str, keep: str | None = None) -> str:
    """One of the cycle's categories (any listed one if it names none); `keep` is the current
    value of an edited project, allowed though staff since took it off the cycle's list."""
    if category not in (cycle.categories or CATEGORIES) and not (category == keep and category in CATEGORIES):
        raise DomainError(_l("Choose a category from the list."))
    return category


def _checked_area(cycle: Cycle, area: Area | None) -> Area | None:
    if area is not None and area.cycle_id != cycle.id:
        raise DomainError(_l("Choose an area from the list."))
    return area


def _checked_locale(locale: str) -> str:
    if locale not in SHIPPED:
        raise DomainError(_l("Choose a language from the list."))
    return locale


def review_idea(*, actor, idea: Idea, status: IdeaStatus, reason: str = "",
                merged_into: Idea | None = None) -> Idea:
    """Give an idea its next status; closing statuses need a public reason."""
    if status in (IdeaStatus.submitted, IdeaStatus.withdrawn):
        raise DomainError(_l("Choose the idea's new status."))
    if idea.status == IdeaStatus.withdrawn:
        raise DomainError(_l("Its author withdrew this idea, so its status cannot change."))
    if idea.project_id is not None:
        raise DomainError(_l("This idea already fed a ballot project; its status cannot change."))
    reason = rules.clean_text(reason, field=_l("Reason"), limits=rules.REASON_MAX)
    if status in NEEDS_REASON and not reason:
        raise DomainError(_l("Give the public a reason for this decision."))
    if status == IdeaStatus.merged:
        _check_merge_target(idea, merged_into)
    else:
        merged_into = None
    if (status, reason, merged_into) == (idea.status, idea.status_reason, idea.merged_into):
        raise DomainError(_l("Nothing changed: the idea already has this status and reason."))
    before = idea.status
    idea.status, idea.status_reason, idea.merged_into = status, reason, merged_into
    record("idea.review", actor=actor, obj=idea,
           data={"from": str(before), "status": str(status), "reason": reason,
                 "merged_into": merged_into.id if merged_into else None})
    notify.idea_reviewed(idea)  # its author and followers, by email, with this change
    return idea


def edit_idea(*, actor, idea: Idea, title: str, body: str, location_text: str = "") -> Idea:
    """The author's new text for their idea while ideas are collected; the earlier text is
    kept as a revision and shown on the idea's page, so readers see what changed."""
    check_author_may_change(actor, idea)
    clean = {"title": rules.clean_text(title, field=_l("Title"), limits=rules.TITLE, one_line=True),
             "body": rules.clean_text(body, field=_l("Description"), limits=rules.BODY),
             "location_text": rules.clean_text(location_text, field=_l("Location"),
                                               limits=rules.LOCATION_MAX, one_line=True)}
    changed = sorted(name for name, value in clean.items() if getattr(idea, name) != value)
    if not changed:
        raise DomainError(_l("Nothing changed."))
    db.session.add(IdeaRevision(idea_id=idea.id, title=idea.title, body=idea.body,
                                location_text=idea.location_text))
    for name, value in clean.items():
        setattr(idea, name, value)
    record("idea.edit", actor=actor, obj=idea, data={"changed": changed})
    return idea


def withdraw_idea(*, actor, idea: Idea, reason: str = "") -> Idea:
    """The author takes their idea back while ideas are collected; the optional reason is public."""
    check_author_may_change(actor, idea)
    idea.status = IdeaStatus.withdrawn
    idea.status_reason = rules.clean_text(reason, field=_l("Reason"), limits=rules.REASON_MAX)
    record("idea.withdraw", actor=actor, obj=idea, data={"reason": idea.status_reason})
    notify.idea_withdrawn(idea)  # its followers, with this change
    return idea


def check_author_may_change(actor, idea: Idea) -> None:
    """Only the signed-in author, only during idea collection, only before staff decided.

    Takes the cycle's row lock shared, so a change either commits before the phase moves on
    or sees that it has.
    """
    if idea.author_id is None or getattr(actor, "id", None) != idea.author_id:
        raise NotAllowed(_l("Only the person who shared this idea can change it."))
    lock_cycle(idea.cycle, exclusive=False)
    if idea.cycle.phase != Phase.ideas:
        raise WrongPhase(_l("Ideas can be changed only while the cycle collects ideas."))
    if idea.status not in OPEN_STATUSES or idea.project_id is not None:
        raise DomainError(_l("Staff have already decided about this idea, so it can no longer change."))


def support_idea(*, actor, idea: Idea) -> IdeaSupport:
    """One resident's support for an idea during idea collection, once per account.

    The unique key settles two parallel clicks (the loser gets `Conflict`). The audit event
    names no one (residents never are) and, as any event does, refreshes cached pages.
    """
    _check_supportable(actor, idea)
    if supports(user=actor, idea=idea):
        raise DomainError(_l("You already support this idea."))
    support = IdeaSupport(idea_id=idea.id, user_id=actor.id)
    db.session.add(support)
    db.session.flush()
    record("idea.support", actor=actor, obj=_support_subject(idea), data={})
    return support


def unsupport_idea(*, actor, idea: Idea) -> None:
    """Take one's support back, while ideas are collected."""
    _check_supportable(actor, idea)
    support = supports(user=actor, idea=idea)
    if support is None:
        raise DomainError(_l("You do not support this idea."))
    db.session.delete(support)
    record("idea.unsupport", actor=actor, obj=_support_subject(idea), data={})


def _support_subject(idea: Idea):
    """What a support event is recorded against: the idea when its count is public, else only
    the cycle, so the public audit log does not reveal counts the cycle chose to hide."""
    return idea if idea.cycle.show_support_counts else idea.cycle


def _check_supportable(actor, idea: Idea) -> None:
    if getattr(actor, "role", None) != Role.resident:
        raise NotAllowed(_l("Only residents can support ideas."))
    if idea.author_id == actor.id:
        raise DomainError(_l("You cannot support your own idea."))
    lock_cycle(idea.cycle, exclusive=False)
    if idea.cycle.phase != Phase.ideas or idea.status not in OPEN_STATUSES:
        raise WrongPhase(_l("Ideas can be supported only while the cycle collects ideas."))


def supports(*, user, idea: Idea) -> IdeaSupport | None:
    """This account's support for this idea, if any."""
    return db.session.scalars(select(IdeaSupport).filter_by(idea_id=idea.id, user_id=user.id)).first()


def _check_merge_target(idea: Idea, target: Idea | None) -> None:
    if target is None or target.id == idea.id or target.cycle_id != idea.cycle_id:
        raise DomainError(_l("Choose another idea of this cycle to merge into."))
    if target.status == IdeaStatus.merged:
        raise DomainError(_l("That idea was itself merged; merge into the idea it was merged into."))


def create_project(*, actor, cycle: Cycle, title: str, summary: str, locale: str,
                   cost_cents: int, category: str, ideas: list[Idea] = (),
                   area: Area | None = None, cost_breakdown: list | None = None,
                   feasibility_notes: str = "") -> Project:
    """A costed ballot project developed from advanced ideas; each idea links back to it."""
    check_ballot_editable(cycle)
    if any(i.status != IdeaStatus.advanced or i.cycle_id != cycle.id or i.project_id for i in ideas):
        raise DomainError(_l("Only advanced ideas of this cycle that are not yet in a project can become a project."))
    project = Project(cycle=cycle, locale=_checked_locale(locale), status=ProjectStatus.draft)
    _set_project_fields(project, title=title, summary=summary, cost_cents=cost_cents,
                        category=category, area=area, cost_breakdown=cost_breakdown or [],
                        feasibility_notes=feasibility_notes)
    project.ideas = list(ideas)
    db.session.add(project)
    record("project.create", actor=actor, obj=project,
           data={"cost_cents": cost_cents, "ideas": [i.id for i in ideas]})
    for idea in ideas:
        record("idea.project", actor=actor, obj=idea, data={"project": project.id})
        notify.idea_in_project(idea, project)
    return project


def update_project(*, actor, project: Project, title: str, summary: str, cost_cents: int,
                   category: str, area: Area | None = None, cost_breakdown: list | None = None,
                   feasibility_notes: str = "") -> Project:
    """Change a project's text, cost or details while it can still change; a new title or
    summary makes its translations stale, so a ready project goes back to development."""
    check_ballot_editable(project.cycle)
    before = _editable_fields(project)
    _set_project_fields(project, title=title, summary=summary, cost_cents=cost_cents,
                        category=category, area=area, cost_breakdown=cost_breakdown or [],
                        feasibility_notes=feasibility_notes)
    after = _editable_fields(project)
    changed = sorted(name for name in before if before[name] != after[name])
    if not changed:
        raise DomainError(_l("Nothing changed."))
    record("project.update", actor=actor, obj=project,
           data={"changed": changed, "cost_cents": project.cost_cents})
    withdraw_if_unreviewed(actor=actor, project=project)
    return project


def _editable_fields(project: Project) -> dict:
    return {"title": project.title, "summary": project.summary, "cost_cents": project.cost_cents,
            "category": project.category, "area": getattr(project.area, "id", None),
            "cost_breakdown": list(project.cost_breakdown or []),
            "feasibility_notes": project.feasibility_notes}


def _set_project_fields(project: Project, *, title, summary, cost_cents, category, area,
                        cost_breakdown, feasibility_notes) -> None:
    cycle = project.cycle
    if cost_cents <= 0:
        raise DomainError(_l("The cost must be more than zero."))
    if cost_cents > cycle.budget_cents:
        raise DomainError(_l("A project cannot cost more than the whole budget."))
    parts = sum(line["cents"] for line in cost_breakdown)
    if cost_breakdown and parts != cost_cents:
        raise DomainError(_l("The cost breakdown adds up to %(parts)s, but the cost is %(cost)s."),
                          parts=money(parts, cycle.currency), cost=money(cost_cents, cycle.currency))
    clean = {"title": rules.clean_text(title, field=_l("Title"), limits=rules.TITLE, one_line=True),
             "summary": rules.clean_text(summary, field=_l("Summary"), limits=rules.SUMMARY),
             "feasibility_notes": rules.clean_text(feasibility_notes, field=_l("Feasibility notes"),
                                                   limits=rules.NOTES_MAX),
             "category": _checked_category(cycle, category, keep=project.category), "area": _checked_area(cycle, area),
             "cost_cents": cost_cents, "cost_breakdown": list(cost_breakdown)}
    for name, value in clean.items():  # only once everything is valid
        setattr(project, name, value)


def translate_project(*, actor, project: Project, locale: str, title: str, summary: str) -> Project:
    """The project's title and summary in one more of the cycle's languages (they wait for a
    second person's review, so a ready project goes back to development)."""
    check_ballot_editable(project.cycle)
    if locale not in project.cycle.locales or locale == project.locale:
        raise DomainError(_l("Choose one of the cycle's other languages."))
    title = rules.clean_text(title, field=_l("Title"), limits=rules.TITLE, one_line=True)
    summary = rules.clean_text(summary, field=_l("Summary"), limits=rules.SUMMARY)
    set_translation(obj=project, field="title", locale=locale, text=title, translator=actor)
    set_translation(obj=project, field="summary", locale=locale, text=summary, translator=actor)
    record("project.translate", actor=actor, obj=project, data={"locale": locale})
    withdraw_if_unreviewed(actor=actor, project=project)
    return project


def mark_ready(*, actor, project: Project) -> Project:
    """Put a project on the ballot, once every offered language has a reviewed title and summary."""
    check_ballot_editable(project.cycle)
    missing = unreviewed_locales(project, ("title", "summary"), project.cycle.locales)
    if missing:
        raise DomainError(_l("A reviewed translation of the title and summary is still needed in: %(languages)s."),
                          languages=", ".join(language_name(code) for code in missing))
    project.status = ProjectStatus.ready
    record("project.ready", actor=actor, obj=project, data={"cost_cents": project.cost_cents})
    notify.project_on_ballot(project)  # once per project, however often it goes back and forth
    return project


def mark_draft(*, actor, project: Project) -> Project:
    """Take a project back off the ballot for more work."""
    check_ballot_editable(project.cycle)
    project.status = ProjectStatus.draft
    record("project.draft", actor=actor, obj=project, data={})
    return project


def withdraw_if_unreviewed(*, actor, project: Project) -> Project:
    """A ready project whose title or summary lacks a current reviewed translation in some
    offered language goes back to development, until staff mark it ready again."""
    if project.status != ProjectStatus.ready:
        return project
    missing = unreviewed_locales(project, ("title", "summary"), project.cycle.locales)
    if missing:
        project.status = ProjectStatus.draft
        record("project.draft", actor=actor, obj=project,
               data={"reason": "translation_not_reviewed", "locales": missing})
    return project


def check_ballot_editable(cycle: Cycle) -> None:
    """Refuse any change to ballot content (project titles, summaries and costs, the cycle's
    title and description, area names, and their translations) once voting has opened.

    Takes the cycle's row lock shared, as casting does: opening voting takes it exclusive, so
    an edit either commits before voting opens or sees that it has opened.
    """
    lock_cycle(cycle, exclusive=False)
    if cycle.phase not in EDITABLE_PHASES:
        raise WrongPhase(_l("The ballot is locked: titles, summaries, costs and their translations "
                            "cannot change once voting has opened."))
