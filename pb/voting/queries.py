"""Reads for staff voting pages."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from pb.cycles.models import Cycle
from pb.db import db
from pb.enums import CodeStatus
from pb.voting.models import AccessCode


def code_batches(cycle: Cycle, *, with_status: bool) -> list[dict]:
    """Each batch with its size; used/voided counts only when `with_status` (after voting),
    because a count of used codes during voting would be a running turnout figure."""
    rows = db.session.execute(
        select(AccessCode.batch, AccessCode.status, func.count())
        .filter_by(cycle_id=cycle.id).group_by(AccessCode.batch, AccessCode.status))
    batches: dict[str, dict] = defaultdict(lambda: {"issued": 0, "used": None, "voided": None})
    for batch, status, n in rows:
        batches[batch]["issued"] += n
        if with_status:
            batches[batch]["used"] = (batches[batch]["used"] or 0) + (n if status == CodeStatus.used else 0)
            batches[batch]["voided"] = (batches[batch]["voided"] or 0) + (n if status == CodeStatus.voided else 0)
    return [{"batch": name, **counts} for name, counts in sorted(batches.items())]
