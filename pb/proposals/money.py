"""Read amounts that staff type ("12,500.00", "$900") as exact integer cents."""

from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from pb.errors import DomainError

# Digits with optional, correctly placed thousands separators, then at most two decimals.
_AMOUNT = re.compile(r"\$?\s*(?P<units>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<cents>\d{1,2}))?", re.ASCII)
MAX_BREAKDOWN_LINES = 20
MAX_ITEM = 200


class InvalidMoney(DomainError):
    """An amount that is not a plain positive number with at most two decimals."""


def parse_money(text: str, *, max_cents: int) -> int:
    """"12,500.00" → 1250000. Refuses negatives, more than two decimals, words, zero and
    anything above `max_cents` (the cycle's budget)."""
    text = (text or "").strip()
    if text.startswith("-"):
        raise InvalidMoney(_l("The amount must be more than zero."))
    match = _AMOUNT.fullmatch(text)
    if match is None:
        raise InvalidMoney(_l("Enter an amount like 12,500.00, with at most two digits after the point."))
    cents = int(Decimal(match["units"].replace(",", "") + "." + (match["cents"] or "0")) * 100)
    if cents <= 0:
        raise InvalidMoney(_l("The amount must be more than zero."))
    if cents > max_cents:
        raise InvalidMoney(_l("The amount cannot be more than the whole budget."))
    return cents


def parse_breakdown(text: str, *, max_cents: int) -> list[dict]:
    """One "item: amount" per line → [{"item": ..., "cents": ...}]; blank lines are skipped."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(lines) > MAX_BREAKDOWN_LINES:
        raise InvalidMoney(_l("Use at most %(n)d lines in the cost breakdown."), n=MAX_BREAKDOWN_LINES)
    items = []
    for number, line in enumerate(lines, start=1):
        item, colon, amount = line.rpartition(":")
        if not colon or not item.strip() or len(item.strip()) > MAX_ITEM:
            raise InvalidMoney(_l("Line %(line)d of the cost breakdown needs an item, a colon and an amount."),
                               line=number)
        try:
            cents = parse_money(amount, max_cents=max_cents)
        except InvalidMoney as error:
            raise InvalidMoney(_l("Line %(line)d of the cost breakdown: %(problem)s"),
                               line=number, problem=error.message) from None
        items.append({"item": item.strip(), "cents": cents})
    return items


def cents_to_input(cents: int) -> str:
    """1250000 → "12,500.00", the form parse_money reads back."""
    return f"{Decimal(cents) / 100:,.2f}"


def breakdown_to_input(items: list[dict]) -> str:
    return "\n".join(f"{line['item']}: {cents_to_input(line['cents'])}" for line in items)
