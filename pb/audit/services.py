"""Append events to the hash chain, in the caller's transaction, and verify the chain.

An anchor is a (sequence, hash) pair taken from the head at some moment and kept outside the
database (the public audit page, a results page, a downloaded bundle, a message to observers).
The chain alone only proves it is self-consistent; an insider who rewrites it end to end
produces another self-consistent chain, which no longer contains the anchors people kept.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC

from sqlalchemy import select, text

from pb.audit.models import AuditEvent
from pb.db import db, db_rows, utcnow

GENESIS = "0" * 64
_PG_AUDIT_LOCK = 0x5042_4155  # arbitrary advisory-lock key: "PBAU"


def canonical(event: dict) -> str:
    """The exact bytes that are hashed: sorted keys, no spaces, UTF-8."""
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_fields(e: AuditEvent) -> dict:
    return {
        "seq": e.seq,
        "at": e.at.astimezone(UTC).isoformat(),
        "actor_id": e.actor_id,
        "actor_role": e.actor_role,
        "action": e.action,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "cycle_id": e.cycle_id,
        "data": e.data,
    }


def chain_hash(prev_hash: str, fields: dict) -> str:
    return hashlib.sha256((prev_hash + canonical(fields)).encode()).hexdigest()


def record(action: str, *, actor, obj=None, data: dict | None = None) -> AuditEvent:
    """Append one event for `obj` in the current transaction (the caller commits).

    Appends are serialised so two writers never both extend the same head: PostgreSQL takes a
    transaction-scoped advisory lock; SQLite write transactions already hold the database lock.
    """
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
    head = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).first()
    if obj is not None:
        session.flush()  # obj needs its id
    event = AuditEvent(
        seq=head.seq + 1 if head else 1,
        at=utcnow(),
        # Only staff, liaisons and observers are named: a resident's identity never enters the log.
        actor_id=getattr(actor, "id", None) if _role(actor) in NAMED_ROLES else None,
        actor_role=_role(actor),
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(_object_id(obj)) if obj is not None else "",
        cycle_id=_cycle_id(obj),
        data=data or {},
        prev_hash=head.hash if head else GENESIS,
    )
    event.hash = chain_hash(event.prev_hash, event_fields(event))
    session.add(event)
    session.flush()
    return event


NAMED_ROLES = {"staff", "liaison", "observer"}


def _role(actor) -> str:
    return str(getattr(actor, "role", "system")) if actor is not None else "system"


def _object_id(obj) -> object:
    return getattr(obj, "id", None) or getattr(obj, "slug", "")


def _cycle_id(obj) -> int | None:
    """The cycle an object belongs to (a cycle is its own); None for accounts and comments."""
    if obj is None:
        return None
    if type(obj).__name__ == "Cycle":
        return obj.id
    return getattr(obj, "cycle_id", None)


HASHED = ("seq", "at", "actor_id", "actor_role", "action", "object_type", "object_id", "cycle_id", "data")


def first_broken_link(events: Iterable[dict]) -> int | None:
    """Return the sequence number of the first event that does not chain, or None if intact.

    Works on plain dicts (an exported JSON-lines file) so it needs no database. An event the
    export redacted (see `redact`) cannot be rehashed: its hash is taken as given and the
    next event must still point at it; the database check always rehashes everything.
    """
    prev, expected_seq = GENESIS, 1
    for e in events:
        fields = {k: e.get(k) for k in HASHED}
        rehashed = e["hash"] if e.get("redacted") else chain_hash(prev, fields)
        if e["seq"] != expected_seq or e["prev_hash"] != prev or rehashed != e["hash"]:
            return e["seq"]
        prev, expected_seq = e["hash"], expected_seq + 1
    return None


def exported(e: AuditEvent) -> dict:
    return event_fields(e) | {"prev_hash": e.prev_hash, "hash": e.hash}


def verify_database() -> tuple[int, int | None]:
    """(number of events, first broken sequence number or None)."""
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    return len(events), first_broken_link(exported(e) for e in events)


def head_hash() -> str:
    return head().hash


# ---- anchors ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Anchor:
    """An event's sequence number and hash, as someone kept it outside the database."""

    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"


_ANCHOR = re.compile(r"\s*(\d{1,18})\s*:\s*([0-9a-fA-F]{64})\s*")


def parse_anchor(text: str) -> Anchor:
    """`SEQ:HASH` (a 64-digit hex SHA-256) -> Anchor; ValueError with a plain reason otherwise."""
    match = _ANCHOR.fullmatch(text or "")
    if match is None:
        raise ValueError(f"{text!r} is not an anchor: expected SEQ:HASH, e.g. 57:{'ab' * 32}")
    seq = int(match.group(1))
    if seq < 1:
        raise ValueError(f"{text!r} is not an anchor: event numbers start at 1")
    return Anchor(seq, match.group(2).lower())


# Built once (pages quote the head on every render, and pb.pagecache reads it on every request):
# its number and hash, not the whole event, read on the session's connection (pb.db.db_rows).
# Events are flushed as they are recorded (see record), so no flush is needed before it.
_HEAD = select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)


def head() -> Anchor:
    """The newest event as an anchor (0 and the genesis hash for an empty log)."""
    event = db_rows(_HEAD).first()
    return Anchor(event.seq, event.hash) if event else Anchor(0, GENESIS)


def anchor_problems(anchors: Iterable[Anchor], hashes: Mapping[int, str]) -> list[str]:
    """What is wrong with the log `hashes` ({seq: hash}) against each kept anchor, oldest first.

    A missing anchor event means the log was cut short or renumbered; a different hash means
    the log was rewritten at or before that event (a changed event changes every later hash).
    """
    last = max(hashes, default=0)
    problems = []
    for anchor in sorted(set(anchors), key=lambda a: a.seq):
        found = hashes.get(anchor.seq)
        if found is None:
            problems.append(f"anchor {anchor.seq}: the log has no event {anchor.seq} (it now ends at "
                            f"event {last}): events were removed or renumbered")
        elif found != anchor.hash:
            problems.append(f"anchor {anchor.seq}: event {anchor.seq} now has hash {found[:16]}…, not the "
                            f"{anchor.hash[:16]}… you kept: the log was rewritten at or before event {anchor.seq}")
    return problems


def database_hashes() -> dict[int, str]:
    return dict(db.session.execute(select(AuditEvent.seq, AuditEvent.hash)).all())


# ---- what the public sees while voting is open -------------------------------------------

# Events whose details could be turned into a count of ballots, check-ins or used codes
# (used codes = issued - voided; a paper batch digest; a kiosk session's close) while the
# event's cycle is still voting. Their details are withheld until voting closes.
# roll.decide also carries a liaison's free-text reason about a named person's near match.
REDACTED_WHILE_VOTING = frozenset({"codes.void", "paper.close", "paper.confirm", "kiosk.close",
                                   "kiosk.abandon", "roll.decide"})


def is_redacted(event: AuditEvent, voting_cycle_ids: Iterable[int]) -> bool:
    return event.action in REDACTED_WHILE_VOTING and event.cycle_id in set(voting_cycle_ids)


def public_export(event: AuditEvent, voting_cycle_ids: Iterable[int]) -> dict:
    """An event as published: details of a count-revealing event are withheld while voting."""
    if is_redacted(event, voting_cycle_ids):
        return exported(event) | {"data": None, "redacted": True}
    return exported(event)
