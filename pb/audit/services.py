"""Append events to the hash chain, in the caller's transaction, and verify the chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC

from sqlalchemy import select, text

from pb.audit.models import AuditEvent
from pb.db import db, utcnow

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


def first_broken_link(events: Iterable[dict]) -> int | None:
    """Return the sequence number of the first event that does not chain, or None if intact.

    Works on plain dicts (an exported JSON-lines file) so it needs no database.
    """
    prev, expected_seq = GENESIS, 1
    for e in events:
        fields = {k: e[k] for k in ("seq", "at", "actor_id", "actor_role", "action",
                                    "object_type", "object_id", "data")}
        if e["seq"] != expected_seq or e["prev_hash"] != prev or chain_hash(prev, fields) != e["hash"]:
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
    head = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).first()
    return head.hash if head else GENESIS
