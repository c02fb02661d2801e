"""Casting: exactly once per credential, valid rankings only, nothing linking voter and ballot."""

import threading
from datetime import date

import pytest
from sqlalchemy import func, inspect, select

from pb.db import db
from pb.enums import Channel, Phase
from pb.errors import DomainError, WrongPhase
from pb.voting.models import Ballot, VoteMark
from pb.voting.services import (
    AlreadyRegistered,
    AlreadyVoted,
    cast_ballot,
    check_access_code,
    issue_access_codes,
    register_voter,
)
from tests.conftest import open_voting


@pytest.fixture
def voting_cycle(make):
    cycle = make.cycle(phase=Phase.development)
    projects = [make.project(cycle, cost_cents=(i + 1) * 10_000_00) for i in range(4)]
    open_voting(cycle)
    db.session.commit()
    return cycle, [p.id for p in projects]


def ballots() -> int:
    return db.session.scalar(select(func.count()).select_from(Ballot))


def test_cast_once_then_already_voted(voting_cycle, make):
    """The second ballot for one credential is refused and nothing is stored."""
    cycle, ids = voting_cycle
    voter = make.voter(cycle)
    tracker = cast_ballot(cycle=cycle, credential=f"roll:{voter.id}", ranking=ids[:2],
                          channel=Channel.online, locale="en")
    db.session.commit()
    assert len(tracker) == 14
    with pytest.raises(AlreadyVoted):
        cast_ballot(cycle=cycle, credential=f"roll:{voter.id}", ranking=ids[:1],
                    channel=Channel.kiosk, locale="en")
    db.session.rollback()
    assert ballots() == 1


@pytest.mark.parametrize("ranking", [[], [1, 1], "too-long", [999999]])
def test_invalid_rankings_are_refused(voting_cycle, make, ranking):
    """Empty, repeated, over-long or unknown rankings are refused with no vote mark."""
    cycle, ids = voting_cycle
    ranking = {"too-long": ids + ids[:2]}.get(ranking, ranking) if isinstance(ranking, str) else ranking
    if ranking == [1, 1]:
        ranking = [ids[0], ids[0]]
    with pytest.raises(DomainError):
        cast_ballot(cycle=cycle, credential="roll:1", ranking=ranking, channel=Channel.online, locale="en")
    db.session.rollback()
    assert ballots() == 0 and db.session.scalar(select(func.count()).select_from(VoteMark)) == 0


def test_voting_closed_refuses_ballots(make):
    cycle = make.cycle(phase=Phase.development)
    with pytest.raises(WrongPhase):
        cast_ballot(cycle=cycle, credential="roll:1", ranking=[1], channel=Channel.online, locale="en")


def test_ballot_table_cannot_link_to_a_voter():
    """Walking the metadata: the ballot table has no key to people, no time, no sequence."""
    from sqlalchemy import DateTime, Integer

    ballot = db.metadata.tables["ballot"]
    people = {"user", "voter_roll_entry", "access_code", "vote_mark", "kiosk_session"}
    assert {fk.column.table.name for fk in ballot.foreign_keys}.isdisjoint(people)
    assert not [c.name for c in ballot.columns if isinstance(c.type, DateTime)]
    [key] = ballot.primary_key.columns
    assert not isinstance(key.type, Integer) and key.default is not None
    marks = db.metadata.tables["vote_mark"]
    assert not [c.name for c in marks.columns if isinstance(c.type, DateTime)]
    assert {fk.column.table.name for fk in marks.foreign_keys} == {"cycle"}


def test_same_person_cannot_register_twice(voting_cycle):
    """The dedup key matches despite case and spacing differences in the name."""
    cycle, _ = voting_cycle
    area = cycle.areas[0]
    register_voter(cycle=cycle, name="Amina  Yusuf", birth_date=date(1990, 5, 1), area=area,
                   channel=Channel.online, today=date(2027, 1, 1))
    with pytest.raises(AlreadyRegistered):
        register_voter(cycle=cycle, name="amina yusuf", birth_date=date(1990, 5, 1), area=area,
                       channel=Channel.kiosk, today=date(2027, 1, 1))


def test_too_young_is_refused(voting_cycle):
    cycle, _ = voting_cycle
    with pytest.raises(DomainError):
        register_voter(cycle=cycle, name="Kid", birth_date=date(2020, 1, 1), area=cycle.areas[0],
                       channel=Channel.online, today=date(2027, 1, 1))


def test_access_code_is_single_use(voting_cycle):
    """A printed code votes once: a used code answers like an unused one until the cast, which
    is refused as 'already used'; a wrong code is 'not valid'."""
    cycle, ids = voting_cycle
    [code] = issue_access_codes(actor=None, cycle=cycle, count=1, batch="t")
    first = check_access_code(cycle, code.lower())
    cast_ballot(cycle=cycle, credential=first, ranking=ids[:1], channel=Channel.online, locale="en")
    db.session.commit()
    assert check_access_code(cycle, code) == first
    with pytest.raises(AlreadyVoted):
        cast_ballot(cycle=cycle, credential=first, ranking=ids[:1], channel=Channel.online, locale="en")
    with pytest.raises(DomainError):
        check_access_code(cycle, "AAAA-BBBB-CCCC")


def test_parallel_casts_store_exactly_one_ballot(app, voting_cycle, make):
    """Eight simultaneous submissions with one credential store one ballot; the rest are refused."""
    cycle, ids = voting_cycle
    voter = make.voter(cycle)
    cycle_id, credential = cycle.id, f"roll:{voter.id}"
    outcomes, barrier = [], threading.Barrier(8)

    def submit():
        with app.app_context():
            from pb.cycles.models import Cycle

            barrier.wait()
            try:
                cast_ballot(cycle=db.session.get(Cycle, cycle_id), credential=credential,
                            ranking=ids[:3], channel=Channel.online, locale="en")
                db.session.commit()
                outcomes.append("stored")
            except AlreadyVoted:
                db.session.rollback()
                outcomes.append("already")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["already"] * 7 + ["stored"]
    db.session.rollback()  # end this test's own snapshot before counting
    assert ballots() == 1


def test_ballot_primary_key_is_random(voting_cycle, make):
    """Ballot keys are 128-bit random hex, not sequential."""
    cycle, ids = voting_cycle
    for _ in range(3):
        voter = make.voter(cycle)
        cast_ballot(cycle=cycle, credential=f"roll:{voter.id}", ranking=ids[:1], channel=Channel.online, locale="en")
    db.session.commit()
    keys = db.session.scalars(select(Ballot.id)).all()
    assert all(len(k) == 32 and int(k, 16) >= 0 for k in keys) and len(set(keys)) == 3
    assert inspect(Ballot).primary_key[0].name == "id"
