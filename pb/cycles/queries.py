"""Reads for cycle pages."""

from __future__ import annotations

from flask import abort
from sqlalchemy import func, select

from pb.cycles.models import Cycle
from pb.db import db
from pb.enums import IdeaStatus, Phase, ProjectStatus
from pb.proposals.models import Idea, Project


def get_cycle_or_404(slug: str, *, include_draft: bool = False) -> Cycle:
    cycle = db.session.scalars(select(Cycle).filter_by(slug=slug)).first()
    if cycle is None or (cycle.phase == Phase.draft and not include_draft):
        abort(404)
    return cycle


def public_cycles() -> list[Cycle]:
    return list(db.session.scalars(
        select(Cycle).where(Cycle.phase != Phase.draft).order_by(Cycle.created_at.desc())))


def ballot_projects(cycle: Cycle) -> list[Project]:
    return list(db.session.scalars(
        select(Project).filter_by(cycle_id=cycle.id, status=ProjectStatus.ready)
        .order_by(Project.title)))


def idea_counts(cycle: Cycle) -> dict[IdeaStatus, int]:
    rows = db.session.execute(
        select(Idea.status, func.count()).filter_by(cycle_id=cycle.id).group_by(Idea.status))
    return {IdeaStatus(status): n for status, n in rows}
