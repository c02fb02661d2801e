"""The translation queue: what is missing or unreviewed, per language."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from pb.cycles.models import Cycle
from pb.db import db
from pb.i18n.models import ContentTranslation
from pb.proposals.models import Idea, Project
from pb.translations.services import REGISTERED, TRANSLATABLE


@dataclass(frozen=True)
class QueueItem:
    obj: object
    object_type: str
    field: str
    status: str  # "missing" | "human" (waiting for review) | "stale" | "reviewed"
    # For a stale translation: the original it was written or reviewed against.
    old_original: str | None = None

    @property
    def original(self) -> str:
        return getattr(self.obj, self.field)


def queue(cycle: Cycle, locale: str, *, include_ideas: bool = False) -> list[QueueItem]:
    """Every translatable field of the cycle's content, with its state in `locale`; a
    translation is stale when the original changed after it was saved or reviewed."""
    objects = [cycle, *cycle.areas,
               *db.session.scalars(select(Project).filter_by(cycle_id=cycle.id).order_by(Project.id))]
    if include_ideas:
        objects += db.session.scalars(select(Idea).filter_by(cycle_id=cycle.id).order_by(Idea.id))
    objects += [obj for in_cycle in REGISTERED.values() for obj in in_cycle(cycle)]
    states = {}
    for object_type in {type(o).__name__ for o in objects}:
        ids = [o.id for o in objects if type(o).__name__ == object_type]
        rows = db.session.execute(select(ContentTranslation.object_id, ContentTranslation.field,
                                         ContentTranslation.status, ContentTranslation.source_text)
                                  .filter_by(object_type=object_type, locale=locale)
                                  .where(ContentTranslation.object_id.in_(ids)))
        states |= {(object_type, oid, field): (str(status), source) for oid, field, status, source in rows}
    items = []
    for obj in objects:
        object_type = type(obj).__name__
        if obj.locale == locale:
            continue
        for field in TRANSLATABLE[object_type][1]:
            items.append(_item(obj, object_type, field, states.get((object_type, obj.id, field))))
    return items


def _item(obj, object_type: str, field: str, state: tuple[str, str] | None) -> QueueItem:
    if state is None:
        return QueueItem(obj, object_type, field, "missing")
    status, source = state
    if source != getattr(obj, field):
        return QueueItem(obj, object_type, field, "stale", old_original=source)
    return QueueItem(obj, object_type, field, status)
