"""Reads for the public audit page: the filter lists, one page of events and their count.

The statements are built once per combination of filters and run with bound values, on the
session's connection: they read plain columns, and the ORM's per-statement work (about as
much as a small query itself) would buy nothing. A page
reads only what identifies each event (its number and hash) and what its link and redaction
depend on; whole events, with their data, are read only for rows not already rendered
(pb.fragments keeps a row under its number and hash: an event never changes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache

from sqlalchemy import Row, Select, bindparam, false, func, select

from pb.audit.models import AuditEvent
from pb.db import db_rows

# One pass over the log for both filter lists (actions in the database's order).
_PAIRS = select(AuditEvent.action, AuditEvent.object_type).distinct().order_by(AuditEvent.action)
_BY_SEQ = select(AuditEvent.__table__).where(AuditEvent.seq.in_(bindparam("seqs", expanding=True)))


def filter_lists() -> tuple[list[str], list[str]]:
    """(actions, object types) found in the log, for the filters."""
    pairs = db_rows(_PAIRS).all()
    return list(dict.fromkeys(action for action, _ in pairs)), sorted({kind for _, kind in pairs if kind})


@cache
def _statements(action: bool, object_type: bool, cycle: bool, nothing: bool) -> tuple[Select, Select]:
    """(count of matching events, one page of matching events) for the filters in use;
    `nothing` is a filter value not on offer, which matches no event."""
    conditions = [false()] if nothing else []
    if action:
        conditions.append(AuditEvent.action == bindparam("action"))
    if object_type:
        conditions.append(AuditEvent.object_type == bindparam("object_type"))
    if cycle:
        conditions.append(AuditEvent.cycle_id == bindparam("cycle_id"))
    counted = select(func.count()).select_from(AuditEvent).where(*conditions)
    page = (select(AuditEvent.seq, AuditEvent.hash, AuditEvent.action, AuditEvent.object_type,
                   AuditEvent.object_id, AuditEvent.cycle_id)
            .where(*conditions).order_by(AuditEvent.seq.desc())
            .limit(bindparam("limit")).offset(bindparam("offset")))
    return counted, page


class Filtered:
    """The events matching the chosen filters: the values not on offer were already folded into
    `nothing`, so no visitor's text is sent to the database unless it is an offered value."""

    def __init__(self, *, action: str = "", object_type: str = "", cycle_id: int | None = None,
                 nothing: bool = False):
        self.values = {"action": action, "object_type": object_type, "cycle_id": cycle_id}
        self.counted, self.page = _statements(bool(action), bool(object_type), cycle_id is not None, nothing)

    def count(self) -> int:
        """How many events match."""
        return db_rows(self.counted, self.values).scalar_one()

    def events(self, limit: int, offset: int) -> list:
        """Newest first: number, hash, action, object and cycle of each (not its data)."""
        return db_rows(self.page, self.values | {"limit": limit, "offset": offset}).all()


def whole_events(seqs: Sequence[int]) -> Callable[[int], Row]:
    """event(seq), every column of the events `seqs`, read when first asked for: the first read
    fetches the one event asked for (after a change, usually the only row not rendered yet), a
    second read the rest, so a page never costs more than two reads whatever its length."""
    loaded: dict[int, Row] = {}

    def event(seq: int) -> Row:
        if seq not in loaded:
            wanted = [seq] if not loaded else [s for s in seqs if s not in loaded]
            loaded.update((e.seq, e) for e in db_rows(_BY_SEQ, {"seqs": wanted}))
        return loaded[seq]
    return event
