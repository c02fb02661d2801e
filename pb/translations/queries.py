"""The translation queue: what is missing or unreviewed, per language."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from pb.cycles.models import Cycle
from pb.db import db
from pb.i18n.models import ContentTranslation
from pb.proposals.models import Idea, Project
from pb.translations.services import TRANSLATABLE


@dataclass(frozen=True)
class QueueItem:
    obj: object
    object_type: str
    field: str
    status: str  # "missing" | "human" | "reviewed"


def queue(cycle: Cycle, locale: str, *, include_ideas: bool = False) -> list[QueueItem]:
    """Every translatable field of the cycle's content, with its state in `locale`."""
    objects = [cycle, *cycle.areas,
               *db.session.scalars(select(Project).filter_by(cycle_id=cycle.id).order_by(Project.id))]
    if include_ideas:
        objects += db.session.scalars(select(Idea).filter_by(cycle_id=cycle.id).order_by(Idea.id))
    states = {}
    for object_type in {type(o).__name__ for o in objects}:
        ids = [o.id for o in objects if type(o).__name__ == object_type]
        rows = db.session.execute(select(ContentTranslation.object_id, ContentTranslation.field,
                                         ContentTranslation.status)
                                  .filter_by(object_type=object_type, locale=locale)
                                  .where(ContentTranslation.object_id.in_(ids)))
        states |= {(object_type, oid, field): str(status) for oid, field, status in rows}
    items = []
    for obj in objects:
        object_type = type(obj).__name__
        if obj.locale == locale:
            continue
        for field in TRANSLATABLE[object_type][1]:
            items.append(QueueItem(obj, object_type, field, states.get((object_type, obj.id, field), "missing")))
    return items
