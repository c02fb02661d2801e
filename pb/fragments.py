"""Pieces of pages rendered once and reused by every later render on this server.

The page cache (pb.pagecache) keeps whole pages only until the next change anywhere; then
each page is rendered again. Most of a page is unchanged by most changes, and some pieces
cannot change at all: an audit event's row (an event is never edited) or a project's card on
a frozen ballot. Such a piece is kept under a key that holds everything it shows, plus the
language, so a stale piece cannot be served: different data is a different key.
"""

from __future__ import annotations

from flask import current_app, get_template_attribute
from flask.globals import _cv_app  # the app context itself (see _language)
from flask_babel import get_locale
from markupsafe import Markup

MAX_FRAGMENTS = 8192


def fragment(template: str, macro: str, key: tuple, *args) -> Markup:
    """`{{ macro(*args) }}` of `template`, or what it gave before for `key` in this language."""
    fragments = current_app.extensions.setdefault("pb_fragments", {})
    key = (_language(), template, macro, *key)
    html = fragments.get(key)
    if html is None:
        if len(fragments) >= MAX_FRAGMENTS:  # bounded: start again rather than grow
            fragments.clear()
        html = fragments[key] = get_template_attribute(template, macro)(*args)
    return html


def _language() -> str:
    """The request's language as a key: str(get_locale()), worked out once per request (a page
    asks for a dozen fragments or more). Kept beside Flask-Babel's own per-request locale, as
    pb.i18n.catalog keeps the catalog, and reused only while that locale object is the same
    one: a language switch, `force_locale` or `refresh()` replace or drop it."""
    app_context = _cv_app.get(None)
    state = None if app_context is None else getattr(app_context.g, "_flask_babel", None)
    try:
        locale, name = state.pb_language
        if locale is state.babel_locale:
            return name
    except AttributeError:  # first fragment of the request
        pass
    locale = get_locale()
    name = str(locale)
    state = None if app_context is None else getattr(app_context.g, "_flask_babel", None)
    if state is not None and getattr(state, "babel_locale", None) is locale:
        state.pb_language = (locale, name)
    return name
