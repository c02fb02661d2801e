"""Seal the ballot box when voting closes (and, later, tally and publish)."""

from __future__ import annotations

import hashlib
import json
import secrets

from sqlalchemy import delete, select, text

from pb.audit.services import record
from pb.cycles.models import Cycle
from pb.db import db
from pb.results.models import BoxSeal
from pb.voting.models import Ballot


def canonical_ballots(ballots) -> list[dict]:
    """The public ballot list: no tracker, no key, sorted, so order reveals nothing."""
    rows = [{"ranking": b.ranking, "channel": str(b.channel), "site_id": b.site_id} for b in ballots]
    return sorted(rows, key=lambda r: json.dumps(r, sort_keys=True))


def sha256_json(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def seal_box(*, actor, cycle: Cycle) -> BoxSeal:
    """Rewrite the cycle's ballots in random order and record the box digests.

    Rows were stored in casting order, which a database reader could line up with vote marks
    or kiosk check-ins; rewriting them in a random order removes that link (SQLite rowids and
    PostgreSQL row versions are reassigned). The file space itself is reclaimed by `vacuum()`
    after the transaction commits.
    """
    ballots = list(db.session.scalars(select(Ballot).filter_by(cycle_id=cycle.id)))
    copies = [dict(id=b.id, cycle_id=b.cycle_id, ranking=b.ranking, channel=b.channel,
                   site_id=b.site_id, locale=b.locale, tracker=b.tracker) for b in ballots]
    db.session.execute(delete(Ballot).where(Ballot.cycle_id == cycle.id))
    for b in ballots:
        db.session.expunge(b)
    secrets.SystemRandom().shuffle(copies)
    db.session.add_all(Ballot(**c) for c in copies)
    seal = BoxSeal(cycle_id=cycle.id, ballot_count=len(copies),
                   ballots_sha256=sha256_json(canonical_ballots(ballots)),
                   trackers_sha256=sha256_json(sorted(b.tracker for b in ballots)))
    db.session.add(seal)
    record("box.seal", actor=actor, obj=cycle,
           data={"ballots": seal.ballot_count, "ballots_sha256": seal.ballots_sha256,
                 "trackers_sha256": seal.trackers_sha256})
    return seal


def vacuum() -> None:
    """Reclaim the space of rewritten rows so old row images do not linger (after commit)."""
    engine = db.engine
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("VACUUM")
        else:
            connection.execute(text("VACUUM ballot"))
