"""Sealing the ballot box when voting closes.

Called by pb.lifecycle.services when voting closes, under the cycle lock every cast takes, so
a ballot is either in the box the seal reads or refused with "voting has closed".
"""

from __future__ import annotations

import secrets

from sqlalchemy import delete, select, text

from pb.audit.services import record
from pb.cycles.models import Cycle
from pb.db import db
from pb.tally.digest import sha256_of
from pb.voting.models import Ballot, BoxSeal


def canonical_ballots(rankings) -> list[list[str]]:
    """The public ballot list: only the rankings (project ids as strings), sorted, so neither
    storage order nor site or language can tie a published ballot to a voter."""
    return sorted([str(p) for p in ranking] for ranking in rankings)


def seal_box(*, actor, cycle: Cycle) -> BoxSeal:
    """Rewrite the cycle's ballots in random order and record the box digests.

    Rows were stored in casting order, which a database reader could line up with vote marks
    or kiosk check-ins; rewriting them in a random order removes that link (SQLite rowids and
    PostgreSQL row versions are reassigned). The file space itself is reclaimed by `compact_storage()`
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
                   ballots_sha256=sha256_of(canonical_ballots(b.ranking for b in ballots)),
                   trackers_sha256=sha256_of(sorted(b.tracker for b in ballots)))
    db.session.add(seal)
    record("box.seal", actor=actor, obj=cycle,
           data={"ballots": seal.ballot_count, "ballots_sha256": seal.ballots_sha256,
                 "trackers_sha256": seal.trackers_sha256})
    return seal


def compact_storage() -> None:
    """Reclaim the space of rewritten rows so old row images do not linger (after commit)."""
    engine = db.engine
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("VACUUM")
        else:
            connection.execute(text("VACUUM ballot"))
