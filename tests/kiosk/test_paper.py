"""Paper batches under the two-person rule: counted twice, typed twice, settled by a third
person, closed by someone other than the only typist, cancellable, never more sheets than
check-ins, and no turnout number in public audit data while voting is open."""

import hashlib
import itertools
import json
import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from pb.audit.models import AuditEvent
from pb.db import db
from pb.enums import Channel, Phase, Role
from pb.errors import DomainError
from pb.kiosk import paper_services
from pb.kiosk.models import PaperBatch, PaperCheckIn
from pb.voting.models import Ballot, RollStatus, VoteMark, VoterRollEntry
from pb.voting.services import AlreadyVoted, admit_in_person, cast_ballot, register_voter
from tests.conftest import csrf_from, login
from tests.kiosk.conftest import check_in
from tests.voting.conftest import ranks

PEOPLE = [("Ana Ruiz", "1980-01-02"), ("Bo Chen", "1971-05-06"), ("Cy Diop", "1990-07-08"),
          ("Di Park", "1965-11-12")]


class Desk:
    """One liaison at the paper desk, with their own browser."""

    def __init__(self, app, user):
        self.user, self.client = user, app.test_client()
        login(self.client, user)
        self.token = csrf_from(self.client.get("/kiosk/").get_data(as_text=True))

    def post(self, url, **data):
        return self.client.post(url, data={"csrf_token": self.token, **data})

    def sheet(self, url, sheet, fields):
        return self.post(f"{url}/sheets", sheet_no=str(sheet), **fields)


@pytest.fixture
def desks(app, liaison, make):
    """Three liaisons: a (opens the batch), b and c."""
    return Desk(app, liaison), Desk(app, make.user(Role.liaison)), Desk(app, make.user(Role.liaison))


def open_batch(desk, site, count=3, people=3):
    """`desk` opens a batch of `count` sheets and lists `people` check-ins; returns its URL."""
    response = desk.post("/kiosk/paper", site=str(site.id), received_on="2027-04-02", received_count=str(count))
    assert response.status_code == 302 and "/kiosk/paper/" in response.location
    url = response.location
    for name, born in PEOPLE[:people]:
        added = desk.post(f"{url}/check-ins", name=name, birth_date=born, area=areas_slug(site))
        assert added.status_code == 302, added.get_data(as_text=True)
    return url


def areas_slug(site) -> str:
    from pb.cycles.models import Area

    return db.session.get(Area, site.area_id).slug


def paper_ballots() -> list[list[int]]:
    db.session.rollback()
    return sorted(db.session.scalars(select(Ballot.ranking).where(Ballot.channel == Channel.paper)))


def paper_events() -> list[AuditEvent]:
    db.session.rollback()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("paper.%"))
                                   .order_by(AuditEvent.seq)))


def batch_of(url) -> PaperBatch:
    db.session.rollback()
    return db.session.get(PaperBatch, int(url.rsplit("/", 1)[1]))


def test_batch_closes_only_when_counted_twice_typed_twice_and_balanced(desks, site, voting_cycle):
    """Received 3, confirmed by b, typed by a and again by b: two valid and one invalid are boxed."""
    a, b, _ = desks
    _, ids = voting_cycle
    url = open_batch(a, site)
    sheets = {1: ranks(ids, 0, 1), 2: {"invalid_reason": "Two projects marked 1"}, 3: ranks(ids, 2)}
    for n, fields in sheets.items():
        assert a.sheet(url, n, fields).status_code == 302
    early = b.client.post(f"{url}/close", data={"csrf_token": b.token}, follow_redirects=True)
    assert "second person must confirm" in early.get_data(as_text=True) and paper_ballots() == []
    assert b.post(f"{url}/confirm", received_count="3").status_code == 302
    unchecked = b.client.post(f"{url}/close", data={"csrf_token": b.token}, follow_redirects=True)
    assert "typed a second time" in unchecked.get_data(as_text=True) and paper_ballots() == []
    for n, fields in sheets.items():
        assert b.sheet(url, n, fields).status_code == 302
    b.post(f"{url}/close")
    assert paper_ballots() == sorted([[ids[0], ids[1]], [ids[2]]])
    assert [e.action for e in paper_events()] == ["paper.open", "paper.confirm", "paper.close"]


def test_one_liaison_alone_cannot_get_a_batch_closed(app, desks, site, voting_cycle):
    """Even with double entry off, one person cannot confirm their own count or close what only they typed."""
    a, b, _ = desks
    cycle, ids = voting_cycle
    cycle.paper_double_entry = False  # the weakest setting a cycle may choose
    db.session.commit()
    url = open_batch(a, site)
    for n in (1, 2, 3):
        a.sheet(url, n, ranks(ids, 0))
    own = a.post(f"{url}/confirm", received_count="3")
    assert own.status_code == 409 and "Another person must count" in own.get_data(as_text=True)
    a.post(f"{url}/close")
    assert paper_ballots() == []
    b.post(f"{url}/confirm", received_count="3")
    alone = a.client.post(f"{url}/close", data={"csrf_token": a.token}, follow_redirects=True)
    assert "someone else must close" in alone.get_data(as_text=True) and paper_ballots() == []
    b.post(f"{url}/close")
    assert paper_ballots() == [[ids[0]]] * 3


def test_a_wrong_second_count_is_refused(desks, site):
    """The confirming count must equal the first count; a different number confirms nothing."""
    a, b, _ = desks
    url = open_batch(a, site)
    response = b.post(f"{url}/confirm", received_count="4")
    assert response.status_code == 400 and "not the same as the first count" in response.get_data(as_text=True)
    assert batch_of(url).received_confirmed_by_id is None


def test_typist_cannot_check_their_own_sheet(desks, site, voting_cycle):
    """The second typing of a sheet must come from another person."""
    a, _, _ = desks
    _, ids = voting_cycle
    url = open_batch(a, site)
    a.sheet(url, 1, ranks(ids, 0))
    again = a.sheet(url, 1, ranks(ids, 1))
    assert again.status_code == 400 and "another liaison" in again.get_data(as_text=True)


def test_mismatch_needs_a_third_person_and_shows_both_readings(desks, site, voting_cycle):
    """Neither typist may settle a dispute about their own reading; both readings are shown."""
    a, b, c = desks
    _, ids = voting_cycle
    url = open_batch(a, site)
    b.post(f"{url}/confirm", received_count="3")
    for n in (1, 2, 3):
        a.sheet(url, n, ranks(ids, 0))
        b.sheet(url, n, ranks(ids, 0) if n != 2 else ranks(ids, 3))  # sheet 2 is read differently
    page = c.client.get(url).get_data(as_text=True)
    side_by_side = page[page.index('id="mismatches"'):]
    assert "Project 0" in side_by_side and "Project 3" in side_by_side
    for typist in (a, b):
        refused = typist.sheet(url, 2, {**ranks(ids, 3), "resolve": "y"})
        assert refused.status_code == 400 and "someone else must settle" in refused.get_data(as_text=True)
    c.post(f"{url}/close")
    assert paper_ballots() == []
    assert c.sheet(url, 2, {**ranks(ids, 3), "resolve": "y"}).status_code == 302
    c.post(f"{url}/close")
    assert paper_ballots() == sorted([[ids[0]], [ids[0]], [ids[3]]])
    [settled] = [e for e in batch_of(url).entries if e.sheet_no == 2]
    assert settled.resolved_by_id == c.user.id and settled.disputed["first"] == [ids[0]]


def test_cancelled_batch_is_excluded_audited_and_frees_its_check_ins(app, desks, site, voting_cycle, make):
    """A cancelled batch boxes nothing, says why in public, and its people can be checked in again."""
    a, b, _ = desks
    _, ids = voting_cycle
    url = open_batch(a, site)
    b.post(f"{url}/confirm", received_count="3")
    for n in (1, 2, 3):
        a.sheet(url, n, ranks(ids, 0))
        b.sheet(url, n, ranks(ids, 0))
    short = a.post(f"{url}/cancel", reason="")
    assert short.status_code == 400 and batch_of(url).cancelled_at is None
    assert a.post(f"{url}/cancel", reason="Sheets from the wrong site").status_code == 302
    b.post(f"{url}/close")
    assert paper_ballots() == []
    cancel = paper_events()[-1]
    assert (cancel.action, cancel.actor_id, cancel.data["reason"]) == ("paper.cancel", a.user.id,
                                                                        "Sheets from the wrong site")
    assert db.session.scalar(select(func.count()).select_from(PaperCheckIn)) == 0
    assert db.session.scalar(select(func.count()).select_from(VoteMark)) == 0
    assert db.session.scalar(select(func.count()).select_from(VoterRollEntry)) == 0
    assert "Sheets from the wrong site" in app.test_client().get("/audit/").get_data(as_text=True)
    again = open_batch(a, site)  # the same three people on a new batch
    assert batch_of(again).check_ins == 3


def test_a_batch_cannot_hold_more_sheets_than_check_ins(desks, site, voting_cycle):
    """Sheets beyond the number of people on the check-in list are refused."""
    a, b, _ = desks
    _, ids = voting_cycle
    url = open_batch(a, site, count=3, people=2)
    assert a.sheet(url, 1, ranks(ids, 0)).status_code == 302
    assert a.sheet(url, 2, ranks(ids, 0)).status_code == 302
    third = a.sheet(url, 3, ranks(ids, 0))
    assert third.status_code == 400 and "more sheets than people" in third.get_data(as_text=True)


def test_paper_check_in_is_on_the_shared_roll(desks, site, voting_cycle, kiosk_client):
    """A person on a paper check-in list cannot then vote at a kiosk."""
    a, _, _ = desks
    cycle, _ = voting_cycle
    open_batch(a, site, count=1, people=1)
    client, kiosk_id = kiosk_client
    name, born = PEOPLE[0]
    response = check_in(client, kiosk_id, cycle, name=name, birth_date=born)
    assert response.status_code in (400, 409) and paper_events()[0].action == "paper.open"
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0
    assert "ballot" not in (response.location or "")


def test_public_paper_events_carry_no_counts_and_a_keyed_digest(desks, site, voting_cycle):
    """No received/sheet/check-in number is public during voting, and a one-sheet batch's
    digest cannot be recomputed by trying every ranking without the batch's secret key."""
    a, b, _ = desks
    _, ids = voting_cycle
    url = open_batch(a, site, count=1, people=1)
    b.post(f"{url}/confirm", received_count="1")
    a.sheet(url, 1, ranks(ids, 2, 0))
    b.sheet(url, 1, ranks(ids, 2, 0))
    b.post(f"{url}/close")
    events = paper_events()
    for event in events:
        assert set(event.data) <= {"site", "received_on", "entries_hmac_sha256"}, event.data
    published = events[-1].data["entries_hmac_sha256"]
    batch = batch_of(url)
    guesses = 0
    for k in range(1, 4):
        for order in itertools.permutations(ids, k):
            row = [{"sheet": 1, "ranking": list(order), "invalid": "", "check": list(order),
                    "entered_by": a.user.id, "checked_by": b.user.id, "resolved_by": None, "disputed": None}]
            canonical = json.dumps(row, sort_keys=True, separators=(",", ":")).encode()
            assert hashlib.sha256(canonical).hexdigest() != published
            guesses += 1
    assert guesses > 20 and paper_services.entries_digest_matches(batch, published)


def test_double_entry_switch_is_audited_and_fixed_once_voting_opens(make, voting_cycle):
    """Staff may turn double entry off before voting (a public event), never during voting."""
    from pb.errors import WrongPhase

    staff = make.user(Role.staff)
    draft = make.cycle(phase=Phase.development)
    paper_services.set_paper_double_entry(actor=staff, cycle=draft, required=False)
    db.session.commit()
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert (event.action, event.data, draft.paper_double_entry) == ("cycle.paper_double_entry",
                                                                    {"required": False}, False)
    with pytest.raises(WrongPhase):
        paper_services.set_paper_double_entry(actor=staff, cycle=voting_cycle[0], required=False)
    db.session.rollback()


def test_parallel_closes_box_a_batch_once(app, desks, site, voting_cycle):
    """Two people pressing "close" at the same moment put the sheets in the box once."""
    a, b, c = desks
    _, ids = voting_cycle
    url = open_batch(a, site)
    b.post(f"{url}/confirm", received_count="3")
    for n in (1, 2, 3):
        a.sheet(url, n, ranks(ids, 1))
        b.sheet(url, n, ranks(ids, 1))
    barrier, codes = threading.Barrier(2), []

    def close(desk):
        barrier.wait()
        codes.append(desk.client.post(f"{url}/close", data={"csrf_token": desk.token}).status_code)

    threads = [threading.Thread(target=close, args=(d,)) for d in (b, c)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert codes == [302, 302] and paper_ballots() == [[ids[1]]] * 3


@pytest.mark.parametrize("sheet, fields, message", [
    (4, lambda ids: ranks(ids, 0), "Sheet numbers go from 1 to 3"),
    (1, lambda ids: {"rank-999999": "1"}, "not on this ballot"),
    (1, lambda ids: {}, "Rank at least one project"),
    (0, lambda ids: ranks(ids, 0), "Number must be between"),
])
def test_bad_sheets_change_nothing(desks, site, voting_cycle, sheet, fields, message):
    """Out-of-range sheets, unknown projects and empty rankings are refused with a reason."""
    a, _, _ = desks
    url = open_batch(a, site)
    response = a.sheet(url, sheet, fields(voting_cycle[1]))
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert batch_of(url).entries == []


def test_reconciled_paper_ballots_count_in_participation_after_close(app, desks, site, voting_cycle, make):
    """Staff see participation only after voting closes, paper included."""
    a, b, _ = desks
    cycle, ids = voting_cycle
    url = open_batch(a, site)
    b.post(f"{url}/confirm", received_count="3")
    for n in (1, 2, 3):
        a.sheet(url, n, ranks(ids, 0))
        b.sheet(url, n, ranks(ids, 0))
    b.post(f"{url}/close")
    staff = app.test_client()
    login(staff, make.user(Role.staff))
    during = staff.get(f"/admin/cycles/{cycle.slug}/participation").get_data(as_text=True)
    assert "Counts are shown when voting closes" in during and "ballots in the box" not in during
    staff_token = csrf_from(staff.get("/admin/").get_data(as_text=True))
    staff.post(f"/admin/cycles/{cycle.slug}/advance", data={"csrf_token": staff_token, "current": "voting"})
    db.session.refresh(cycle)
    assert cycle.phase == Phase.tallying
    after = staff.get(f"/admin/cycles/{cycle.slug}/participation").get_data(as_text=True)
    assert "3 ballots in the box" in after and "fewer than 20" in after


def test_paper_check_in_asks_the_liaison_about_a_possible_match(desks, site, voting_cycle):
    """A sign-in name one letter off someone who voted online is not silently added: the desk
    sees where the match voted and decides, and "different person" adds them."""
    cycle, ids = voting_cycle
    online = register_voter(cycle=cycle, name="Marisol Reyes", birth_date=date(1980, 1, 2),
                            area=cycle.areas[0], channel=Channel.online, today=date(2027, 1, 1))
    online.email_verified = True
    cast_ballot(cycle=cycle, credential=f"roll:{online.id}", ranking=ids[:1], channel=Channel.online, locale="en")
    db.session.commit()
    a = desks[0]
    url = open_batch(a, site, count=1, people=0)
    before = db.session.scalar(select(func.count()).select_from(PaperCheckIn))
    held = a.post(f"{url}/check-ins", name="Marisol Reyez", birth_date="1980-01-02", area=areas_slug(site))
    assert held.status_code == 409 and "already voted online" in held.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PaperCheckIn)) == before
    decided = a.post(f"{url}/check-ins", name="Marisol Reyez", birth_date="1980-01-02", area=areas_slug(site),
                     decision="different", reason="family")
    assert decided.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(PaperCheckIn)) == before + 1
    same = a.post(f"{url}/check-ins", name="Marisol Reyes", birth_date="1980-01-02", area=areas_slug(site))
    assert same.status_code == 409 and "already voted" in same.get_data(as_text=True)


def test_cancelling_a_batch_keeps_an_earlier_registration_and_one_ballot(site, voting_cycle, make):
    """Someone registered online is also on a paper sign-in list, and the batch is cancelled:
    they keep their own roll entry (the voting link they opened stays theirs) and can vote
    once, online; a kiosk then finds them and refuses a second ballot."""
    cycle, ids = voting_cycle
    a, b = make.user(Role.liaison), make.user(Role.liaison)
    name, born = "Maria Lopez", date(1970, 5, 6)
    online = register_voter(cycle=cycle, name=name, birth_date=born, area=cycle.areas[0],
                            channel=Channel.online, today=date(2027, 4, 1))
    db.session.commit()
    batch = paper_services.open_batch(actor=a, cycle=cycle, site=site, received_on=date(2027, 4, 2),
                                      received_count=1)
    paper_services.add_check_in(actor=a, batch=batch, name=name, birth_date=born, area=cycle.areas[0],
                                today=date(2027, 4, 2))
    paper_services.add_check_in(actor=a, batch=batch, name="Lan Tran", birth_date=date(1975, 3, 2),
                                area=cycle.areas[0], today=date(2027, 4, 2))
    db.session.commit()
    paper_services.cancel_batch(actor=b, batch=batch, reason="Sheets got wet")
    db.session.commit()
    assert [e.id for e in db.session.scalars(select(VoterRollEntry))] == [online.id]  # Lan Tran's entry went
    cast_ballot(cycle=cycle, credential=f"roll:{online.id}", ranking=ids[:1], channel=Channel.online, locale="en")
    db.session.commit()
    with pytest.raises(AlreadyVoted):
        admit_in_person(actor=a, cycle=cycle, name=name, birth_date=born, area=cycle.areas[0],
                        channel=Channel.kiosk, today=date(2027, 4, 3))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 1


def test_a_roll_entry_taken_off_the_roll_cannot_cast(site, voting_cycle, make):
    """A voting session that still holds an entry a liaison has since refused (or that is
    gone) casts nothing: the voter is told, and no ballot or mark is stored."""
    cycle, ids = voting_cycle
    entry = make.voter(cycle)
    entry.status = RollStatus.refused
    db.session.commit()
    for credential in (f"roll:{entry.id}", "roll:no-such-entry"):
        with pytest.raises(DomainError, match="no longer on the voter roll"):
            cast_ballot(cycle=cycle, credential=credential, ranking=ids[:1], channel=Channel.online, locale="en")
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0
    assert db.session.scalar(select(func.count()).select_from(VoteMark)) == 0
