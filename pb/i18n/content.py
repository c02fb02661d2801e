"""Per-language content: show the reader's language, or the original marked as pending."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from pb.db import db
from pb.enums import TranslationStatus
from pb.i18n.models import ContentTranslation


@dataclass(frozen=True)
class Shown:
    """Text as shown to a reader; `pending` means the reader's language is still missing."""

    text: str
    locale: str
    pending: bool

    def __str__(self) -> str:
        return self.text


class Localized:
    """Translations of several objects for one locale, fetched in a single query."""

    def __init__(self, objects: Sequence, locale: str):
        self.locale = locale
        self._rows: dict[tuple[str, int, str], str] = {}
        by_type: dict[str, list[int]] = {}
        for obj in objects:
            if obj.locale != locale:
                by_type.setdefault(type(obj).__name__, []).append(obj.id)
        for object_type, ids in by_type.items():
            rows = db.session.execute(
                select(ContentTranslation.object_id, ContentTranslation.field, ContentTranslation.text)
                .where(ContentTranslation.object_type == object_type,
                       ContentTranslation.object_id.in_(ids),
                       ContentTranslation.locale == locale)
            )
            for object_id, field, text in rows:
                self._rows[(object_type, object_id, field)] = text

    def __call__(self, obj, field: str) -> Shown:
        original = getattr(obj, field)
        if obj.locale == self.locale:
            return Shown(original, obj.locale, pending=False)
        text = self._rows.get((type(obj).__name__, obj.id, field))
        if text is None:
            return Shown(original, obj.locale, pending=True)
        return Shown(text, self.locale, pending=False)


def set_translation(*, obj, field: str, locale: str, text: str, translator=None,
                    status: TranslationStatus = TranslationStatus.human) -> ContentTranslation:
    """Add or replace one field's translation (the caller audits and commits)."""
    row = db.session.scalars(select(ContentTranslation).filter_by(
        object_type=type(obj).__name__, object_id=obj.id, field=field, locale=locale)).first()
    if row is None:
        row = ContentTranslation(object_type=type(obj).__name__, object_id=obj.id,
                                 field=field, locale=locale, text=text)
        db.session.add(row)
    row.text, row.status = text, status
    row.translator_id = getattr(translator, "id", None)
    db.session.flush()
    return row


def unreviewed_locales(obj, fields: tuple[str, ...], locales: Sequence[str]) -> list[str]:
    """Languages of `locales` in which some field of `obj` has no reviewed translation
    (the original's own language counts as done)."""
    wanted = [code for code in locales if code != obj.locale]
    rows = db.session.execute(select(ContentTranslation.locale, ContentTranslation.field).filter_by(
        object_type=type(obj).__name__, object_id=obj.id, status=TranslationStatus.reviewed))
    done = {(locale, field) for locale, field in rows}
    return [code for code in wanted if any((code, f) not in done for f in fields)]
