"""Jinja filters that format money, numbers and dates in the reader's locale.

Formatting is a pure function of the value, the format, the locale and the time zone, and
Babel's formatters are slow (a page formats a cost per project and a date per phase), so each
result is remembered under all four (bounded, shared by every request).
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

import flask_babel
from babel.numbers import get_currency_precision
from flask import Flask
from markupsafe import Markup, escape

from pb.i18n import labels
from pb.i18n.catalog import current_locale, current_timezone, format_markup, gettext
from pb.i18n.content import Shown
from pb.i18n.locales import SHIPPED

FORMATS_KEPT = 4096


@lru_cache(maxsize=FORMATS_KEPT)
def _money(minor_units: int, currency: str, _locale) -> str:
    amount = Decimal(minor_units).scaleb(-get_currency_precision(currency))
    return flask_babel.format_currency(amount, currency)


@lru_cache(maxsize=FORMATS_KEPT)
def _dated(kind: str, value, fmt, _locale, _zone) -> str:
    return getattr(flask_babel, kind)(value, fmt)


def money(minor_units: int, currency: str = "USD") -> str:
    """Integer minor units (cents) → "$400,000.00", "400.000,00 US$", "‏US$ ٤٠٠٬٠٠٠٫٠٠"..."""
    return _money(minor_units, currency, current_locale())


def format_date(value, fmt=None) -> str:
    """flask_babel.format_date, remembered (the locale and time zone are part of the key)."""
    return _dated("format_date", value, fmt, current_locale(), current_timezone())


def format_datetime(value, fmt=None) -> str:
    return _dated("format_datetime", value, fmt, current_locale(), current_timezone())


def format_time(value, fmt=None) -> str:
    return _dated("format_time", value, fmt, current_locale(), current_timezone())


def language_name(code: str) -> str:
    lang = SHIPPED.get(code)
    return lang.name if lang else code


# `shown` and `pending_note` of templates/_macros/content.html: pages call them once per
# item, and a Python function costs a fraction of a Jinja macro call.

def shown(text: Shown, tag: str = "span") -> Markup:
    """Text from Localized(...) in its own language; dir="auto" keeps text in another script
    than the page (English in Arabic) in its own direction. (The leading line break is the
    one the Jinja macro this replaced always wrote.)"""
    tag, pending = escape(tag), " pending" if text.pending else ""
    return Markup(f'\n<{tag} lang="{escape(text.locale.replace("_", "-"))}" dir="auto" '  # noqa: S704 (escaped)
                  f'class="user-text{pending}">{escape(text.text)}</{tag}>')


def pending_note(text: Shown) -> Markup:
    if not text.pending:
        return Markup("")
    note = format_markup(Markup(gettext("Shown in %(language)s; translation pending.")),  # noqa: S704
                         {"language": language_name(text.locale)})
    return Markup('<p class="pending-note">') + note + Markup("</p>")


def register_filters(app: Flask) -> None:
    app.jinja_env.filters.update(
        money=money,
        date=lambda value, fmt="long": format_date(value, fmt) if value else "",
        datetime=lambda value, fmt="medium": format_datetime(value, fmt) if value else "",
        language_name=language_name,
    )
    app.jinja_env.globals.update(
        render_shown=shown,
        render_pending_note=pending_note,
        PHASE_NAMES=labels.PHASE_NAMES,
        PHASE_NOW=labels.PHASE_NOW,
        IDEA_STATUS_NAMES=labels.IDEA_STATUS_NAMES,
        CATEGORY_NAMES=labels.CATEGORY_NAMES,
        CHANNEL_LABELS=labels.CHANNEL_LABELS,
        PROGRESS_NAMES=labels.PROGRESS_NAMES,
        PROJECT_STATUS_NAMES=labels.PROJECT_STATUS_NAMES,
        SHARED_VIA=labels.SHARED_VIA,
    )
