"""Jinja filters that format money, numbers and dates in the reader's locale."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import get_currency_precision
from flask import Flask
from flask_babel import format_currency, format_date, format_datetime

from pb.i18n import labels
from pb.i18n.locales import SHIPPED


def money(minor_units: int, currency: str = "USD") -> str:
    """Integer minor units (cents) → "$400,000.00", "400.000,00 US$", "‏US$ ٤٠٠٬٠٠٠٫٠٠"..."""
    amount = Decimal(minor_units).scaleb(-get_currency_precision(currency))
    return format_currency(amount, currency)


def language_name(code: str) -> str:
    lang = SHIPPED.get(code)
    return lang.name if lang else code


def register_filters(app: Flask) -> None:
    app.jinja_env.filters.update(
        money=money,
        date=lambda value, fmt="long": format_date(value, fmt) if value else "",
        datetime=lambda value, fmt="medium": format_datetime(value, fmt) if value else "",
        language_name=language_name,
    )
    app.jinja_env.globals.update(
        PHASE_NAMES=labels.PHASE_NAMES,
        PHASE_NOW=labels.PHASE_NOW,
        IDEA_STATUS_NAMES=labels.IDEA_STATUS_NAMES,
        CATEGORY_NAMES=labels.CATEGORY_NAMES,
        CHANNEL_LABELS=labels.CHANNEL_LABELS,
        PROGRESS_NAMES=labels.PROGRESS_NAMES,
        PROJECT_STATUS_NAMES=labels.PROJECT_STATUS_NAMES,
        SHARED_VIA=labels.SHARED_VIA,
    )
