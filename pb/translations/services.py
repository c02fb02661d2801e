"""Translate content field by field, and have a second person review each translation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from pb.audit.services import record
from pb.cycles.models import Area, Cycle
from pb.db import db
from pb.enums import TranslationStatus
from pb.errors import DomainError, NotAllowed
from pb.i18n.content import set_translation
from pb.i18n.models import ContentTranslation
from pb.proposals.models import Idea, Project

# What can be translated: model name → (model, translatable fields).
TRANSLATABLE = {
    "Cycle": (Cycle, ("title", "description")),
    "Area": (Area, ("name",)),
    "Project": (Project, ("title", "summary")),
    "Idea": (Idea, ("title", "body")),
}
MAX_TEXT = 5000


def cycle_of(obj) -> Cycle:
    return obj if isinstance(obj, Cycle) else db.session.get(Cycle, obj.cycle_id)


def translate_field(*, actor, obj, field: str, locale: str, text: str) -> ContentTranslation:
    """Save a human translation of one field; it waits for review by someone else."""
    _check(obj, field, locale)
    text = text.strip()
    if not text or len(text) > MAX_TEXT:
        raise DomainError(_l("Write the translation (up to %(n)d characters)."), n=MAX_TEXT)
    row = set_translation(obj=obj, field=field, locale=locale, text=text, translator=actor,
                          status=TranslationStatus.human)
    record("translation.save", actor=actor, obj=obj, data={"field": field, "locale": locale})
    return row


def review_translation(*, actor, obj, field: str, locale: str) -> ContentTranslation:
    """A second person confirms a translation says what the original says."""
    _check(obj, field, locale)
    row = _row(obj, field, locale)
    if row is None:
        raise DomainError(_l("There is no translation to review yet."))
    if row.translator_id == actor.id:
        raise NotAllowed(_l("Someone other than the translator must review a translation."))
    row.status = TranslationStatus.reviewed
    record("translation.review", actor=actor, obj=obj, data={"field": field, "locale": locale})
    return row


def _row(obj, field, locale) -> ContentTranslation | None:
    return db.session.scalars(select(ContentTranslation).filter_by(
        object_type=type(obj).__name__, object_id=obj.id, field=field, locale=locale)).first()


def _check(obj, field: str, locale: str) -> None:
    fields = TRANSLATABLE.get(type(obj).__name__, (None, ()))[1]
    if field not in fields:
        raise DomainError(_l("This text cannot be translated here."))
    if locale not in cycle_of(obj).locales or locale == obj.locale:
        raise DomainError(_l("Choose one of the cycle's other languages."))
