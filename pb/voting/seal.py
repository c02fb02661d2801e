"""Sealing the ballot box when voting closes.

pb.lifecycle calls `seal_box` in the transaction that ends voting, holding the cycle lock that
every cast and every paper batch takes, so each ballot is either in the box the seal reads or
refused with "voting has closed"; nothing is deleted or re-inserted under a running cast.

While voting is open, ballots, trackers and vote marks are written one by one, so storage
(pages, WAL frames, PostgreSQL row versions and their xmin) follows casting order, and the
mark and the ballot of one voter sit at matching places. The seal breaks that link:

1. It rewrites the ballot, tracker and vote-mark tables into fresh storage in independent
   random orders: PostgreSQL TRUNCATEs (a new relation file; the old one is unlinked at commit)
   and re-inserts, so every row carries the seal's own transaction id; SQLite deletes with
   `secure_delete` (deleted cells are zeroed) and re-inserts into tables stored by key.
2. It coarsens each ballot's site and language where a group is smaller than MIN_GROUP, so
   a liaison who saw one resident vote at a quiet site cannot pick that ballot out.
3. It forgets the email addresses kept for reminders and the cycle's voting mails in the
   outbox (pb.voting.reminders.forget_addresses).
4. After the commit, `compact_storage` checkpoints the SQLite WAL into the main file, VACUUMs,
   and truncates the WAL; on PostgreSQL it asks for a CHECKPOINT so old WAL can be recycled.
   docs/SECURITY.md says what WAL archives and backups taken during voting still hold.
"""

from __future__ import annotations

import secrets
from collections import Counter

from flask import current_app
from sqlalchemy import delete, insert, select, text
from sqlalchemy.exc import DBAPIError

from pb.audit.services import record
from pb.cycles.models import Cycle
from pb.db import BUSY_TIMEOUT_MS, db
from pb.tally.digest import sha256_of
from pb.voting.models import Ballot, BoxSeal, Tracker, VoteMark
from pb.voting.reminders import forget_addresses

MIN_GROUP = 20  # the smallest group of ballots that may keep its site or language


def canonical_ballots(rankings) -> list[list[str]]:
    """The public ballot list: only the rankings (project ids as strings), sorted, so neither
    storage order nor site or language can tie a published ballot to a voter."""
    return sorted([str(p) for p in ranking] for ranking in rankings)


def seal_box(*, actor, cycle: Cycle) -> BoxSeal:
    """Rewrite the box in random order, blur small groups, forget the reminder addresses, and
    record the box digests, the digest of its turnout groups (channel, site, language, after
    blurring) and the channels holding more ballots than voters they marked (none, unless
    ballots were slipped into the database: `pb audit verify` reports them)."""
    ballots = _rewrite_in_random_order(Ballot)
    trackers = _rewrite_in_random_order(Tracker)
    marks = _rewrite_in_random_order(VoteMark)
    mine = [b for b in ballots if b["cycle_id"] == cycle.id]
    _coarsen_small_groups(cycle)
    seal = BoxSeal(cycle_id=cycle.id, ballot_count=len(mine),
                   ballots_sha256=sha256_of(canonical_ballots(b["ranking"] for b in mine)),
                   trackers_sha256=sha256_of(sorted(t["code"] for t in trackers
                                                    if t["cycle_id"] == cycle.id)))
    db.session.add(seal)
    forget_addresses(cycle)  # the reminder addresses, in one UPDATE (nothing was written at cast time)
    record("box.seal", actor=actor, obj=cycle,
           data={"ballots": seal.ballot_count, "ballots_sha256": seal.ballots_sha256,
                 "trackers_sha256": seal.trackers_sha256, "groups_sha256": sha256_of(turnout_groups(cycle.id)),
                 "ballots_without_voters": _unmarked(mine, [m for m in marks if m["cycle_id"] == cycle.id])})
    return seal


def turnout_groups(cycle_id: int) -> list[list]:
    """[channel, site id, language, ballots] for every group of the box: what the published
    turnout is counted from, so editing a ballot's channel, site or language changes it."""
    rows = db.session.execute(select(Ballot.channel, Ballot.site_id, Ballot.locale)
                              .filter_by(cycle_id=cycle_id))
    counts = Counter((str(channel), site_id, locale) for channel, site_id, locale in rows)
    return sorted([*group, n] for group, n in counts.items())


def _unmarked(ballots: list[dict], marks: list[dict]) -> list[str]:
    """Channels whose ballots outnumber the voters marked in them: online and kiosk ballots are
    cast with their mark, paper ballots come from people checked in on paper (some of whom
    hand in no sheet). Only the channel names are recorded: the log is public, and a count of
    a small channel is shown nowhere else."""
    ballots_in, marked_in = Counter(str(b["channel"]) for b in ballots), Counter(str(m["channel"]) for m in marks)
    return sorted(c for c, n in ballots_in.items() if n > marked_in[c] or (c != "paper" and n != marked_in[c]))


def _rewrite_in_random_order(model) -> list[dict]:
    """Empty the table into fresh storage and write its rows back in a random order.

    Every cycle's rows are rewritten (PostgreSQL's TRUNCATE empties the whole table); rows
    of other cycles keep their content, and their order, already meaningless, is shuffled too.
    """
    db.session.flush()
    columns = [c.name for c in model.__table__.columns]
    rows = [dict(row._mapping) for row in db.session.execute(select(*model.__table__.columns))]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f'TRUNCATE TABLE "{model.__tablename__}"'))
    else:
        db.session.execute(delete(model))
    secrets.SystemRandom().shuffle(rows)
    if rows:
        db.session.execute(insert(model.__table__), [{c: r[c] for c in columns} for r in rows])
    db.session.expire_all()
    return rows


def _coarsen_small_groups(cycle: Cycle) -> None:
    """Drop the language, then the site, of ballots in groups smaller than MIN_GROUP."""
    ballots = list(db.session.scalars(select(Ballot).filter_by(cycle_id=cycle.id)))
    by_language = Counter((b.channel, b.site_id, b.locale) for b in ballots)
    for b in ballots:
        if by_language[(b.channel, b.site_id, b.locale)] < MIN_GROUP:
            b.locale = ""
    by_site = Counter((b.channel, b.site_id) for b in ballots)
    for b in ballots:
        if by_site[(b.channel, b.site_id)] < MIN_GROUP:
            b.site_id = None
    db.session.flush()


def compact_storage() -> None:
    """After the seal commits: leave no old row images in the live database files.

    Best effort, never an error for the person who closed voting (the seal itself has
    committed). SQLite needs a moment without readers to truncate the WAL and VACUUM; it waits
    up to COMPACT_WAIT_MS, and if readers still hold on, the log says so and what to run
    (docs/SECURITY.md). PostgreSQL needs only a CHECKPOINT.
    """
    engine = db.engine
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name != "sqlite":
            try:  # needs superuser or pg_checkpoint (PostgreSQL 15); without it, WAL recycles later
                connection.exec_driver_sql("CHECKPOINT")
            except DBAPIError as error:
                current_app.logger.warning("CHECKPOINT after sealing was refused: %s", error.orig)
            return
        connection.exec_driver_sql(f"PRAGMA busy_timeout={COMPACT_WAIT_MS}")
        try:
            busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()[0]
            connection.exec_driver_sql("VACUUM")
            busy = busy or connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()[0]
        except DBAPIError:
            busy = True
        finally:  # the connection goes back to the pool: give it the normal wait again (pb.db)
            connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    if busy:
        current_app.logger.warning(
            "the database could not be compacted after sealing (readers held it); run "
            "PRAGMA wal_checkpoint(TRUNCATE) and VACUUM when it is quiet (docs/SECURITY.md)")


COMPACT_WAIT_MS = 5000
