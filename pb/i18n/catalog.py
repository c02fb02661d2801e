"""The request's message catalog, looked up once per request and locale.

Flask-Babel finds the catalog again on every `gettext` call (three trips through the app
context, the domain and the locale), and a page makes about 200 such calls. Here the catalog
is kept beside Flask-Babel's own per-request locale: it is reused while that locale object is
the same one, so a language switch, `force_locale` or `refresh()` (which replace or drop the
locale) find the right catalog on their next call. Templates get `_`, `gettext` and
`ngettext` that read it directly, with Jinja's own newstyle semantics (autoescape, and every
string treated as a %-format); `lazy_gettext` makes labels that do the same when shown.
WTForms' own messages ("This field is required.") come from its catalog, which Flask-WTF
reads from disk on every request that builds a form; `Request` keeps one per locale.
"""

from __future__ import annotations

import re
from functools import lru_cache

from babel import support
from flask import Flask
from flask import Request as FlaskRequest
from flask.globals import _cv_app  # the app context itself (see _babel_state)
from flask_babel import get_locale, get_timezone, get_translations
from flask_babel.speaklater import LazyString
from jinja2 import pass_context
from markupsafe import Markup, escape
from werkzeug.utils import cached_property
from wtforms.i18n import messages_path


def _babel_state():
    """Flask-Babel's per-request namespace (its chosen locale, time zone...), or None before its
    first use or outside an app context. Read from Flask's context variable rather than through
    the `g` proxy: this runs for every translated string of a page."""
    app_context = _cv_app.get(None)
    return None if app_context is None else getattr(app_context.g, "_flask_babel", None)


def translations():
    """The catalog of the current request's locale (Flask-Babel's own, found once)."""
    state = _babel_state()
    try:
        cached = state.pb_catalog
        if cached[0] is state.babel_locale:
            return cached[1]
    except AttributeError:  # first call of the request, or no app context
        pass
    catalog = get_translations()
    state = _babel_state()
    if state is not None and hasattr(state, "babel_locale"):
        state.pb_catalog = (state.babel_locale, catalog)
    return catalog


def current_locale():
    """Flask-Babel's locale of this request (a babel.Locale; None outside an app context)."""
    # None also after a force_locale() block that ran before the locale was first chosen.
    locale = getattr(_babel_state(), "babel_locale", None)
    return locale if locale is not None else get_locale()


def current_timezone():
    zone = getattr(_babel_state(), "babel_tzinfo", None)
    return zone if zone is not None else get_timezone()


def gettext(string: str, **variables) -> str:
    text = translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


class LazyText(LazyString):
    """A label translated when shown, in the language of the request showing it."""

    def __str__(self) -> str:
        return gettext(*self._args, **self._kwargs)

    def __html__(self) -> str:
        return gettext(*self._args, **self._kwargs)


def lazy_gettext(string: str, **variables) -> LazyText:
    return LazyText(gettext, string, **variables)


# A named conversion such as %(num)d or %(name)s, or an escaped percent sign.
_CONVERSION = re.compile(r"%%|%\(([^)]*)\)[#0\- +]*\d*(?:\.\d*)?[hlL]?(.)")


@lru_cache(maxsize=4096)
def _conversions(text: str) -> tuple[tuple[str, str], ...] | None:
    """(name, type) of each %(name)x in a message; None if it uses % any other way."""
    found, used = [], 0
    for match in _CONVERSION.finditer(text):
        used += len(match.group(0)) if match.group(1) is None else 1
        if match.group(1) is not None:
            found.append((match.group(1), match.group(2)))
    return tuple(found) if used == text.count("%") else None


def format_markup(text: Markup, variables: dict) -> Markup:
    """`text % variables`, each value escaped as Markup's own % does it, without its helper
    object per value: numbers format as they are, anything shown with %s is escaped first.
    Any other case (a %d given a string, %r...) takes Markup's own path."""
    if not variables and "%" not in text:  # what `% {}` would return
        return text
    conversions = _conversions(text)
    if conversions is None:
        return text % variables
    values = {}
    for name, kind in conversions:
        value = variables[name]
        if type(value) is int or type(value) is float:
            values[name] = value
        elif kind == "s":
            values[name] = escape(value)
        else:
            return text % variables
    return Markup(str.__mod__(text, values))  # noqa: S704 (every value was escaped above)


def markup_gettext(string: str, **variables) -> Markup:
    """gettext for HTML: the translation is trusted markup (our own catalog, as in Jinja's
    i18n), every value is escaped."""
    return format_markup(Markup(translations().ugettext(string)), variables)  # noqa: S704


@pass_context
def _template_gettext(context, string: str, **variables) -> str:
    if context.eval_ctx.autoescape:
        return markup_gettext(string, **variables)
    return translations().ugettext(string) % variables


@pass_context
def _template_ngettext(context, singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    text = translations().ungettext(singular, plural, num)
    if context.eval_ctx.autoescape:
        return format_markup(Markup(text), variables)  # noqa: S704
    return text % variables


def install_template_gettext(app: Flask) -> None:
    """Replace Flask-Babel's template callables (same results, one catalog lookup each)."""
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext)


@lru_cache(maxsize=64)
def _wtforms_catalog(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class Request(FlaskRequest):
    @cached_property
    def wtforms_translations(self) -> support.Translations:
        """What Flask-WTF reads (and would otherwise load from disk, once per request): WTForms'
        catalog in this request's language, loaded once per process and locale."""
        return _wtforms_catalog(str(get_locale()))
