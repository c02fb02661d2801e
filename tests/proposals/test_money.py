"""Staff type dollars; the platform stores exact integer cents."""

import pytest

from pb.factory import create_app
from pb.proposals.money import (
    InvalidMoney,
    breakdown_to_input,
    cents_to_input,
    parse_breakdown,
    parse_money,
)

BUDGET = 400_000_00


@pytest.fixture(scope="module")
def english():
    """An English request context for the messages; no database is touched."""
    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://"})
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.mark.parametrize("text, cents", [
    ("12,500.00", 1_250_000), ("12500", 1_250_000), ("$12,500.5", 1_250_050), (" 0.01 ", 1),
    ("400,000.00", BUDGET), ("1,234,567.89", None), ("19.99", 1999), ("0.10", 10),
])
def test_amounts_parse_to_exact_cents(english, text, cents):
    """Typed dollars become exact cents (no float rounding); more than the budget is refused."""
    if cents is None:
        with pytest.raises(InvalidMoney, match="more than the whole budget"):
            parse_money(text, max_cents=BUDGET)
    else:
        assert parse_money(text, max_cents=BUDGET) == cents


@pytest.mark.parametrize("text, message", [
    ("", "Enter an amount like 12,500.00"), ("abc", "Enter an amount like 12,500.00"), ("12.345", "Enter an amount like 12,500.00"),
    ("-5", "more than zero"), ("0", "more than zero"), ("0.00", "more than zero"),
    ("1,2,3", "Enter an amount like 12,500.00"), ("12,50", "Enter an amount like 12,500.00"), ("1e6", "Enter an amount like 12,500.00"),
    ("NaN", "Enter an amount like 12,500.00"), ("Infinity", "Enter an amount like 12,500.00"), ("12.", "Enter an amount like 12,500.00"),
    ("99999999999999999999999", "whole budget"), ("١٢", "Enter an amount like 12,500.00"),
])
def test_invalid_amounts_are_refused(english, text, message):
    """Negatives, zero, more than two decimals, words and odd separators get a clear message."""
    with pytest.raises(InvalidMoney, match=message):
        parse_money(text, max_cents=BUDGET)


def test_breakdown_lines_parse_and_round_trip(english):
    """Each "item: amount" line becomes an item in cents; the form shows it back the same way."""
    text = "Van lease, 12 months: 36,000.00\n\nDriver: 24,000.50\n"
    items = parse_breakdown(text, max_cents=BUDGET)
    assert items == [{"item": "Van lease, 12 months", "cents": 3_600_000},
                     {"item": "Driver", "cents": 2_400_050}]
    assert parse_breakdown(breakdown_to_input(items), max_cents=BUDGET) == items
    assert cents_to_input(1_250_000) == "12,500.00"


@pytest.mark.parametrize("text, message", [
    ("Van lease 36,000", "Line 1 .*needs an item"), ("Van: 10\n: 5", "Line 2 .*needs an item"),
    ("Van: ten", "Line 1 of the cost breakdown: Enter an amount"),
    ("\n".join(f"Item {i}: 1" for i in range(21)), "at most 20 lines"),
])
def test_bad_breakdown_lines_name_the_line(english, text, message):
    """A bad breakdown line is refused with its line number."""
    with pytest.raises(InvalidMoney, match=message):
        parse_breakdown(text, max_cents=BUDGET)
