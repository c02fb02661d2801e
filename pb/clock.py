"""The one clock: everything that needs "now" or "today" asks here, so tests can freeze time.

`pb.tally` never asks (counting has no clock). The server's local date is "today" for ages
and paper batches; stored times are UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

_frozen: datetime | None = None


def now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def today() -> date:
    """Today's date where the server runs."""
    return now().astimezone().date()


def timestamp() -> float:
    """Seconds since the epoch, for idle timers kept in the session."""
    return now().timestamp()


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    """Stop the clock at `at` (aware) for the duration of the block (tests)."""
    global _frozen
    if at.tzinfo is None:
        raise ValueError("freeze the clock at an aware datetime")
    before, _frozen = _frozen, at.astimezone(UTC)
    try:
        yield
    finally:
        _frozen = before
