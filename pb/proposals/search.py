"""Accent- and case-insensitive idea search, the same on SQLite and PostgreSQL.

Neither database folds accents the same way in every language without extensions (SQLite's
LIKE folds ASCII case only; PostgreSQL's `unaccent` is an extension we do not require), so the
fold is done here, in Python, on the query and on the cycle's texts alike: "dialisis",
"DIÁLISIS" and "Diálisis" all become "dialisis".
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import select

from pb.db import db
from pb.i18n.models import ContentTranslation
from pb.proposals.models import Idea


def fold(text: str) -> str:
    """Compatibility-decomposed, combining marks dropped, case-folded, spaces squeezed."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(unicodedata.normalize("NFKC", bare).casefold().split())


def matching_idea_ids(cycle_id: int, query: str) -> set[int]:
    """Ids of the cycle's ideas whose title, description or any translation holds `query`.

    One pass over the cycle's texts per search: a cycle holds thousands of ideas at most, and
    the pages around a search (counts by status, pages) reuse the same id set.
    """
    needle = fold(query)
    if not needle:
        return set()
    found = {idea_id for idea_id, title, body in db.session.execute(
        select(Idea.id, Idea.title, Idea.body).where(Idea.cycle_id == cycle_id))
        if needle in fold(f"{title}\n{body}")}
    translated = db.session.execute(
        select(ContentTranslation.object_id, ContentTranslation.text)
        .join(Idea, Idea.id == ContentTranslation.object_id)
        .where(ContentTranslation.object_type == "Idea", Idea.cycle_id == cycle_id))
    return found | {idea_id for idea_id, text in translated if needle in fold(text)}
