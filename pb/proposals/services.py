"""Submit ideas, answer them publicly, and turn advanced ideas into ballot projects."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from pb.audit.services import record
from pb.cycles.models import Area, Cycle
from pb.db import db
from pb.enums import CATEGORIES, Channel, IdeaStatus, Phase, ProjectStatus
from pb.errors import DomainError, WrongPhase
from pb.proposals.models import Idea, Project

# Statuses that close an idea and therefore owe the public a reason.
NEEDS_REASON = {IdeaStatus.merged, IdeaStatus.not_eligible, IdeaStatus.not_feasible}
EDITABLE_PHASES = {Phase.draft, Phase.ideas, Phase.development}


def submit_idea(*, actor, cycle: Cycle, title: str, body: str, category: str, locale: str,
                channel: Channel = Channel.online, area: Area | None = None,
                location_text: str = "", contact: str = "", author=None) -> Idea:
    """A new idea, accepted only while the cycle collects ideas."""
    if cycle.phase != Phase.ideas:
        raise WrongPhase(_l("This cycle is not collecting ideas now."))
    if category not in CATEGORIES:
        raise DomainError(_l("Choose a category from the list."))
    if area is not None and area.cycle_id != cycle.id:
        raise DomainError(_l("Choose an area from the list."))
    idea = Idea(cycle=cycle, title=title.strip(), body=body.strip(), category=category,
                locale=locale, channel=channel, area=area, location_text=location_text.strip(),
                contact=contact.strip(), author_id=getattr(author, "id", None),
                entered_by_id=actor.id if channel != Channel.online else None)
    db.session.add(idea)
    record("idea.submit", actor=actor, obj=idea, data={"channel": str(channel)})
    return idea


def review_idea(*, actor, idea: Idea, status: IdeaStatus, reason: str = "",
                merged_into: Idea | None = None) -> Idea:
    """Give an idea its next status; closing statuses need a public reason."""
    if status in NEEDS_REASON and not reason.strip():
        raise DomainError(_l("Give the public a reason for this decision."))
    if status == IdeaStatus.merged:
        if merged_into is None or merged_into.id == idea.id or merged_into.cycle_id != idea.cycle_id:
            raise DomainError(_l("Choose another idea of this cycle to merge into."))
        idea.merged_into = merged_into
    idea.status, idea.status_reason = status, reason.strip()
    record("idea.review", actor=actor, obj=idea,
           data={"status": str(status), "reason": idea.status_reason,
                 "merged_into": merged_into.id if merged_into else None})
    return idea


def create_project(*, actor, cycle: Cycle, title: str, summary: str, locale: str,
                   cost_cents: int, category: str, ideas: list[Idea] = (),
                   area: Area | None = None, cost_breakdown: list | None = None,
                   feasibility_notes: str = "") -> Project:
    """A costed ballot project developed from advanced ideas."""
    if cycle.phase not in EDITABLE_PHASES:
        raise WrongPhase(_l("Ballot projects cannot change once voting has opened."))
    if cost_cents <= 0:
        raise DomainError(_l("The cost must be more than zero."))
    if cost_cents > cycle.budget_cents:
        raise DomainError(_l("A project cannot cost more than the whole budget."))
    if any(i.status != IdeaStatus.advanced or i.cycle_id != cycle.id for i in ideas):
        raise DomainError(_l("Only advanced ideas of this cycle can become a project."))
    project = Project(cycle=cycle, title=title.strip(), summary=summary.strip(), locale=locale,
                      cost_cents=cost_cents, category=category, area=area,
                      cost_breakdown=cost_breakdown or [], feasibility_notes=feasibility_notes)
    project.ideas = list(ideas)
    db.session.add(project)
    record("project.create", actor=actor, obj=project,
           data={"cost_cents": cost_cents, "ideas": [i.id for i in ideas]})
    return project


def mark_ready(*, actor, project: Project) -> Project:
    """Put a project on the ballot."""
    if project.cycle.phase not in EDITABLE_PHASES:
        raise WrongPhase(_l("Ballot projects cannot change once voting has opened."))
    project.status = ProjectStatus.ready
    record("project.ready", actor=actor, obj=project, data={"cost_cents": project.cost_cents})
    return project
