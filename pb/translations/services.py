"""Translate content field by field, and have a second person review each translation."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from pb.audit.services import record
from pb.cycles.models import Area, Cycle
from pb.db import db
from pb.enums import TranslationStatus
from pb.errors import DomainError, NotAllowed
from pb.i18n.content import is_shown, set_translation
from pb.i18n.models import ContentTranslation
from pb.proposals.models import Idea, Project
from pb.proposals.services import EDITABLE_PHASES, check_ballot_editable, withdraw_if_unreviewed

# What can be translated: model name → (model, translatable fields).
TRANSLATABLE = {
    "Cycle": (Cycle, ("title", "description")),
    "Area": (Area, ("name",)),
    "Project": (Project, ("title", "summary")),
    "Idea": (Idea, ("title", "body")),
}
# Content of a higher layer, which this layer may not import, registers itself with
# register_translatable: model name → its objects in a cycle, for the queue. Progress reports
# ("ProgressUpdate": body) are registered by pb.results.services.
REGISTERED: dict[str, Callable[[Cycle], list]] = {}
# What the ballot shows, frozen from the moment voting opens (ideas are not on the ballot);
# a higher layer's content that must not change while people answer it adds itself.
BALLOT_CONTENT = {"Cycle", "Area", "Project"}
MAX_TEXT = 5000


def register_translatable(model, fields: tuple[str, ...], *, in_cycle: Callable[[Cycle], list],
                          frozen_in_voting: bool = False) -> None:
    """Let a higher layer's content go through the queue; `model` needs `locale` and `cycle_id`.
    `frozen_in_voting`: its translations, like the ballot's, cannot change once voting opens."""
    TRANSLATABLE[model.__name__] = (model, fields)
    REGISTERED[model.__name__] = in_cycle
    if frozen_in_voting:
        BALLOT_CONTENT.add(model.__name__)


def cycle_of(obj) -> Cycle:
    return obj if isinstance(obj, Cycle) else db.session.get(Cycle, obj.cycle_id)


def ballot_locked(obj) -> bool:
    """This object's text is on a ballot whose voting has opened (for pages; services check
    again under the cycle lock)."""
    return type(obj).__name__ in BALLOT_CONTENT and cycle_of(obj).phase not in EDITABLE_PHASES


def translate_field(*, actor, obj, field: str, locale: str, text: str) -> ContentTranslation:
    """Save a human translation of one field; it is hidden until someone else reviews it, and
    a ready project goes back to development until then."""
    _check(obj, field, locale)
    text = text.strip()
    if not text or len(text) > MAX_TEXT:
        raise DomainError(_l("Write the translation (up to %(n)d characters)."), n=MAX_TEXT)
    row = set_translation(obj=obj, field=field, locale=locale, text=text, translator=actor,
                          status=TranslationStatus.human)
    record("translation.save", actor=actor, obj=obj, data={"field": field, "locale": locale})
    if isinstance(obj, Project):
        withdraw_if_unreviewed(actor=actor, project=obj)
    return row


def review_translation(*, actor, obj, field: str, locale: str) -> ContentTranslation:
    """A second person confirms a translation says what the original says now (a stale one:
    what the changed original says)."""
    _check(obj, field, locale)
    row = _row(obj, field, locale)
    if row is None:
        raise DomainError(_l("There is no translation to review yet."))
    if row.translator_id == actor.id:
        raise NotAllowed(_l("Someone other than the translator must review a translation."))
    if is_shown(row, obj):
        raise DomainError(_l("This translation is already reviewed."))
    stale = row.source_text != getattr(obj, field)
    row.status, row.source_text = TranslationStatus.reviewed, getattr(obj, field)
    record("translation.review", actor=actor, obj=obj,
           data={"field": field, "locale": locale, "stale": stale})
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
    if type(obj).__name__ in BALLOT_CONTENT:
        check_ballot_editable(cycle_of(obj))
