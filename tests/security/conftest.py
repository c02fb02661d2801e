"""Helpers for the security tests: a digest of everything stored, and the route list."""

from __future__ import annotations

import hashlib
import os

import pytest
from sqlalchemy import func, literal, select, union_all

from pb.db import db
from pb.factory import create_app

# Bookkeeping that a refused request is meant to write: rate-limit counters and the failed
# sign-in counters of accounts. Everything else must be unchanged after a refusal.
BOOKKEEPING = {"rate_counter": None, "user": {"failed_logins", "locked_until", "totp_last_step"}}
LONG = os.environ.get("PB_FUZZ") == "long"


def pytest_configure(config):
    config.addinivalue_line("markers", "fuzz_long: the long fuzzing run (PB_FUZZ=long); skipped otherwise")


def pytest_collection_modifyitems(config, items):
    if not LONG:
        skip = pytest.mark.skip(reason="long fuzzing runs with PB_FUZZ=long")
        for item in items:
            if item.get_closest_marker("fuzz_long"):
                item.add_marker(skip)


def stored_digest() -> str:
    """A hash of every row of every table (minus bookkeeping): equal digests, nothing written."""
    h = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        skip = BOOKKEEPING.get(table.name, set())
        if skip is None:
            continue
        columns = [c for c in table.columns if c.name not in skip]
        rows = db.session.execute(select(*columns).order_by(*table.primary_key.columns)).all()
        h.update(f"{table.name}:{sorted(map(repr, rows))}".encode())
    return h.hexdigest()


def stored_counts() -> tuple:
    """Row counts of every table (minus rate counters) and the audit head, in one query.

    Cheap enough to run around every fuzzed request. It sees every change a service makes,
    because services either add rows or record an audit event with their change.
    """
    from pb.audit.models import AuditEvent

    parts = [select(literal(t.name), func.count()).select_from(t) for t in db.metadata.sorted_tables
             if t.name != "rate_counter"]
    parts.append(select(literal("audit_head"), func.coalesce(func.max(AuditEvent.seq), 0)))
    return tuple(db.session.execute(union_all(*parts)).all())


def url_map_routes() -> list[tuple[str, str]]:
    """(endpoint, method) of every route, read from a throwaway app at collection time."""
    app = create_app({"DATABASE_URL": "sqlite://", "TESTING": True})
    return sorted((rule.endpoint, method) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
                  for method in rule.methods - {"HEAD", "OPTIONS"})
