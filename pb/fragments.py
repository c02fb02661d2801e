"""Pieces of pages rendered once and reused by every later render on this server.

The page cache (pb.pagecache) keeps whole pages only until the next change anywhere; then
each page is rendered again. Most of a page is unchanged by most changes, and some pieces
cannot change at all: an audit event's row (an event is never edited) or a project's card on
a frozen ballot. Such a piece is kept under a key that holds everything it shows, plus the
language, so a stale piece cannot be served: different data is a different key.
"""

from __future__ import annotations

from flask import current_app, get_template_attribute
from flask_babel import get_locale
from markupsafe import Markup

MAX_FRAGMENTS = 8192


def fragment(template: str, macro: str, key: tuple, *args) -> Markup:
    """`{{ macro(*args) }}` of `template`, or what it gave before for `key` in this language."""
    fragments = current_app.extensions.setdefault("pb_fragments", {})
    key = (str(get_locale()), template, macro, *key)
    html = fragments.get(key)
    if html is None:
        if len(fragments) >= MAX_FRAGMENTS:  # bounded: start again rather than grow
            fragments.clear()
        html = fragments[key] = get_template_attribute(template, macro)(*args)
    return html
