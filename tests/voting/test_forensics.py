"""Secrecy against someone holding the raw database files after voting closes.

The attacker knows which credential each of the test voters used (a liaison saw them check
in) and reads the files byte by byte: the SQLite main file and its -wal, or PostgreSQL's
relation files. Before the seal, storage order lines vote marks up with ballots; after it,
lining them up must do no better than chance, no old copy of a row may remain, and trackers
must not line up with rankings either.
"""

import itertools
import os
import secrets
from pathlib import Path

import pytest
from sqlalchemy import text

from pb.db import db
from pb.enums import Channel, Phase, Role
from pb.lifecycle.services import advance
from pb.transaction import transaction
from pb.voting.services import cast_ballot
from tests.conftest import open_voting

VOTERS = 60
# A random pairing of 60 gets k or more right with probability about 1/(e k!): 6 or more in
# 1 of 1,700 (four comparisons per test made that 1 run in 420), 12 or more in 1 of 1.2
# billion. A kept casting order pairs all 60.
CHANCE = 12


def _cast_in_known_order(make):
    staff = make.user(Role.staff)
    cycle = make.cycle(phase=Phase.development, actor=staff, max_ranks=3)
    ids = [make.project(cycle, cost_cents=10_000_00, title=f"Project {i}").id for i in range(6)]
    open_voting(cycle, actor=staff)
    db.session.commit()
    # Everyone is on the roll before voting (registered or checked in, in an order of its own).
    entries = [make.voter(cycle) for _ in range(VOTERS)]
    secrets.SystemRandom().shuffle(entries)
    voters = []
    for entry, ranking in zip(entries, itertools.islice(itertools.permutations(ids, 3), VOTERS), strict=True):
        credential = f"roll:{entry.id}"
        tracker = cast_ballot(cycle=cycle, credential=credential, ranking=list(ranking),
                              channel=Channel.online, locale="en")
        db.session.commit()  # one transaction per voter, as in production
        voters.append((credential, list(ranking), tracker))
    return staff, cycle, voters


def _close(staff, cycle):
    with transaction():
        advance(actor=staff, cycle=cycle, current=Phase.voting)
    db.session.commit()


def _offsets(blob: bytes, needle: str) -> list[int]:
    found, start, raw = [], 0, needle.encode()
    while (at := blob.find(raw, start)) >= 0:
        found.append(at)
        start = at + 1
    return found


def _ranking_text(ranking) -> str:
    return "[" + ", ".join(str(p) for p in ranking) + "]"


def _pairs_right(order_a: list, order_b: list, truth: dict) -> int:
    """Pair the i-th item of one storage order with the i-th of the other; count true pairs."""
    return sum(truth.get(a) == b for a, b in zip(order_a, order_b, strict=False))


def _storage_order(blob: bytes, needles: list[str]) -> list[str]:
    """Needles in the order they first appear in the file; each must appear exactly once."""
    positions = {n: _offsets(blob, n) for n in needles}
    stale = {n: p for n, p in positions.items() if len(p) != 1}
    assert stale == {}, f"{len(stale)} rows are missing or have old copies in storage"
    return sorted(needles, key=lambda n: positions[n][0])


def _assert_unlinkable(marks_blob: bytes, ballots_blob: bytes, trackers_blob: bytes, voters):
    """Lining up storage orders (forwards and backwards) links no more than chance would."""
    by_credential = {credential: _ranking_text(r) for credential, r, _ in voters}
    by_tracker = {tracker: _ranking_text(r) for _, r, tracker in voters}
    marks = _storage_order(marks_blob, list(by_credential))
    ballots = _storage_order(ballots_blob, list(by_credential.values()))
    trackers = _storage_order(trackers_blob, list(by_tracker))
    for order, truth in ((marks, by_credential), (trackers, by_tracker)):
        assert _pairs_right(order, ballots, truth) < CHANCE
        assert _pairs_right(list(reversed(order)), ballots, truth) < CHANCE


def test_sqlite_files_keep_no_casting_order(app, make):
    """SQLite: after close, the main file and -wal hold each row once, in no casting order."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the SQLite files exist only in the SQLite run")
    staff, cycle, voters = _cast_in_known_order(make)
    path = Path(db.engine.url.database)
    before = path.read_bytes() + (Path(f"{path}-wal").read_bytes() if Path(f"{path}-wal").exists() else b"")
    assert all(_offsets(before, credential) for credential, _, _ in voters)  # the threat is real
    _close(staff, cycle)
    db.session.remove()
    wal = Path(f"{path}-wal")
    assert not wal.exists() or wal.stat().st_size == 0, "the WAL still holds pages from voting"
    blob = path.read_bytes()
    _assert_unlinkable(blob, blob, blob, voters)


def test_postgresql_relation_files_keep_no_casting_order(app, make):
    """PostgreSQL: after close, the ballot, vote-mark and tracker files are new and shuffled."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the PostgreSQL files exist only in the PostgreSQL run")
    staff, cycle, voters = _cast_in_known_order(make)
    data_dir = db.session.scalar(text("SHOW data_directory"))
    old_files = {t: db.session.scalar(text(f"SELECT pg_relation_filepath('{t}')"))
                 for t in ("ballot", "vote_mark", "tracker")}
    db.session.commit()
    _close(staff, cycle)
    db.session.execute(text("CHECKPOINT"))
    db.session.commit()
    for table, old in old_files.items():
        assert not os.path.exists(os.path.join(data_dir, old)), f"old {table} file still on disk"
    files = {t: Path(data_dir, db.session.scalar(text(f"SELECT pg_relation_filepath('{t}')"))).read_bytes()
             for t in old_files}
    _assert_unlinkable(files["vote_mark"], files["ballot"], files["tracker"], voters)
