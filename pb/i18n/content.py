"""Per-language content: show the reader's language, or the original marked as pending."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Select, and_, bindparam, or_, select

from pb.db import db, utcnow
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


@lru_cache(maxsize=64)
def _reviewed_statement(object_types: tuple[str, ...]) -> Select:
    """Reviewed translations into one locale of some objects of each type, in one query (built
    once per combination of types, run with the ids and locale bound)."""
    row = ContentTranslation
    return (select(row.object_type, row.object_id, row.field, row.text, row.source_text)
            .where(row.locale == bindparam("locale"), row.status == TranslationStatus.reviewed,
                   or_(*(and_(row.object_type == object_type, row.object_id.in_(bindparam(f"ids_{i}", expanding=True)))
                         for i, object_type in enumerate(object_types)))))


class Localized:
    """Reviewed translations of several objects for one locale, fetched in a single query.

    Only a reviewed translation of the original as it reads now is shown: a missing, unreviewed
    (new or edited since review) or stale (the original changed since) translation shows the
    original, marked pending.
    """

    def __init__(self, objects: Sequence, locale: str):
        self.locale = locale
        self._rows: dict[tuple[str, int, str], tuple[str, str]] = {}
        by_type: dict[str, list[int]] = {}
        for obj in objects:
            if obj.locale != locale:
                by_type.setdefault(type(obj).__name__, []).append(obj.id)
        if not by_type:
            return
        types = tuple(by_type)
        values = {f"ids_{i}": ids for i, ids in enumerate(by_type.values())}
        for object_type, object_id, field, text, source in db.session.execute(
                _reviewed_statement(types), values | {"locale": locale}):
            self._rows[(object_type, object_id, field)] = (text, source)

    def __call__(self, obj, field: str) -> Shown:
        original = getattr(obj, field)
        if obj.locale == self.locale:
            return Shown(original, obj.locale, pending=False)
        text, source = self._rows.get((type(obj).__name__, obj.id, field), (None, None))
        if text is None or source != original:
            return Shown(original, obj.locale, pending=True)
        return Shown(text, self.locale, pending=False)


def is_stale(row: ContentTranslation, obj) -> bool:
    """The original changed after this translation was last saved or reviewed."""
    return row.source_text != getattr(obj, row.field)


def is_shown(row: ContentTranslation, obj) -> bool:
    """The public sees this translation: reviewed, and of the original as it reads now."""
    return row.status == TranslationStatus.reviewed and not is_stale(row, obj)


def set_translation(*, obj, field: str, locale: str, text: str, translator=None,
                    status: TranslationStatus = TranslationStatus.human) -> ContentTranslation:
    """Add or replace one field's translation of the original as it reads now (the caller
    checks the phase, audits and commits)."""
    row = db.session.scalars(select(ContentTranslation).filter_by(
        object_type=type(obj).__name__, object_id=obj.id, field=field, locale=locale)).first()
    if row is None:
        row = ContentTranslation(object_type=type(obj).__name__, object_id=obj.id,
                                 field=field, locale=locale, text=text)
        db.session.add(row)
    row.text, row.status, row.source_text = text, status, getattr(obj, field)
    row.translator_id = getattr(translator, "id", None)
    row.updated_at = utcnow()
    db.session.flush()
    return row


def unreviewed_locales(obj, fields: tuple[str, ...], locales: Sequence[str]) -> list[str]:
    """Languages of `locales` in which some field of `obj` has no translation the public sees
    (reviewed and not stale; the original's own language counts as done)."""
    wanted = [code for code in locales if code != obj.locale]
    rows = db.session.scalars(select(ContentTranslation).filter_by(
        object_type=type(obj).__name__, object_id=obj.id, status=TranslationStatus.reviewed))
    done = {(row.locale, row.field) for row in rows if not is_stale(row, obj)}
    return [code for code in wanted if any((code, f) not in done for f in fields)]
