"""One voter roll per cycle: one person, one ballot, across registration, codes, kiosk and paper."""

import re
import threading
import unicodedata
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from pb.audit.models import AuditEvent
from pb.db import db
from pb.enums import Channel, Role
from pb.voting import roll
from pb.voting.models import Ballot, RollKey, RollStatus, VoteMark, VoterRollEntry
from pb.voting.services import (
    DIFFERENT,
    SAME,
    AlreadyRegistered,
    AlreadyVoted,
    PossibleMatch,
    admit_in_person,
    cast_ballot,
    check_access_code,
    claim_personal_code,
    issue_access_codes,
    register_online,
    register_voter,
    verify_email,
)
from tests.conftest import csrf_from, login
from tests.voting.conftest import enter_code, open_voting_link, ranks

TODAY = date(2027, 3, 1)
NAME, BORN = "José María Núñez", date(1980, 4, 12)

# Sixteen ways one honest person writes themselves down (issue 15, finding 4).
VARIANTS = {
    "accents dropped": ("Jose Maria Nunez", 0),
    "lower case": ("josé maría núñez", 0),
    "upper case": ("JOSÉ MARÍA NÚÑEZ", 0),
    "cyrillic a": ("José M\u0430ría Núñez", 0),
    "greek omicron": ("J\u03bfsé María Núñez", 0),
    "zero-width space": ("Jo\u200bsé María Núñez", 0),
    "soft hyphen": ("José María Nú\u00adñez", 0),
    "bidi marks": ("\u200eJosé María\u200f Núñez", 0),
    "surname first": ("Núñez José María", 0),
    "surname, first": ("Núñez, José María", 0),
    "trailing full stop": ("José María Núñez.", 0),
    "hyphenated": ("José-María Núñez", 0),
    "extra spaces": ("  José   María  Núñez ", 0),
    "decomposed accents": (unicodedata.normalize("NFD", NAME), 0),
    "fullwidth letters": ("\uff2a\uff4f\uff53é María Núñez", 0),
    "other area, surname first, no accents": ("Nunez, Jose Maria", 1),
}


def areas(cycle):
    return cycle.areas[0], cycle.areas[1] if len(cycle.areas) > 1 else cycle.areas[0]


def ballots() -> int:
    return db.session.scalar(select(func.count()).select_from(Ballot))


def roll_size() -> int:
    return db.session.scalar(select(func.count()).select_from(VoterRollEntry))


def vote_online(cycle, ids, name=NAME, born=BORN, area=None):
    """Register online, use the emailed link, cast: the ordinary honest first vote."""
    entry, token = register_online(cycle=cycle, name=name, birth_date=born, area=area or cycle.areas[0],
                                   email="jose@example.org", today=TODAY)
    db.session.commit()
    verify_email(cycle=cycle, token=token)
    cast_ballot(cycle=cycle, credential=f"roll:{entry.id}", ranking=ids[:1], channel=Channel.online, locale="en")
    db.session.commit()
    return entry


@pytest.mark.parametrize("variant", VARIANTS.values(), ids=VARIANTS.keys())
def test_spelling_variants_have_one_skeleton(variant):
    """Each of the sixteen variants folds to the same name skeleton as the original."""
    assert roll.identity(variant[0], BORN) == roll.identity(NAME, BORN)


def test_different_names_keep_different_skeletons():
    """Folding does not merge genuinely different names or scripts."""
    names = ["Amina Yusuf", "Amina Yousef", "Lan Tran", "李小龙", "李小明", "Мария Иванова", "محمد علي", "Ana Núñez"]
    assert len({roll.identity(n, BORN) for n in names}) == len(names)


@pytest.mark.parametrize("variant", VARIANTS.values(), ids=VARIANTS.keys())
def test_spelling_variants_yield_no_second_ballot(voting_cycle, make, variant):
    """After one online ballot, a variant is refused by registration, personal code, kiosk and paper."""
    cycle, ids = voting_cycle
    vote_online(cycle, ids)
    name, area = variant[0], areas(cycle)[variant[1]]
    with pytest.raises(AlreadyRegistered):
        register_online(cycle=cycle, name=name, birth_date=BORN, area=area, email="x@example.org", today=TODAY)
    db.session.rollback()
    [code] = issue_access_codes(actor=None, cycle=cycle, count=1, batch="v")
    credential = claim_personal_code(cycle=cycle, code=code, name=name, birth_date=BORN, area=area, today=TODAY)
    with pytest.raises(AlreadyVoted):  # the personal code leads to a ballot, and only the cast says so
        cast_ballot(cycle=cycle, credential=credential, ranking=ids[:1], channel=Channel.online, locale="en")
    db.session.rollback()
    for channel in (Channel.kiosk, Channel.paper):
        with pytest.raises(AlreadyVoted):
            admit_in_person(actor=make.user(Role.liaison), cycle=cycle, name=name, birth_date=BORN, area=area,
                            channel=channel, today=TODAY)
        db.session.rollback()
    assert ballots() == 1 and roll_size() == 1


NEAR = {
    "birth date one day off": (NAME, date(1980, 4, 13)),
    "one day off across a month": (NAME, date(1980, 5, 1), date(1980, 4, 30)),
    "day and month swapped": (NAME, date(1980, 12, 4)),
    "one digit off in the year": (NAME, date(1981, 4, 12)),
    "one letter off in the name": ("José María Núñes", BORN),
    "one name word the same": ("José Pérez", BORN),
    "a letter missing": ("José Mara Núñez", BORN),
}


@pytest.mark.parametrize("case", NEAR.values(), ids=NEAR.keys())
def test_near_matches_are_not_silently_accepted(voting_cycle, make, case):
    """A near match is a PossibleMatch at a kiosk (naming where the other voted) and is held online."""
    cycle, ids = voting_cycle
    name, born, *first = case
    vote_online(cycle, ids, born=first[0] if first else BORN)
    with pytest.raises(PossibleMatch) as raised:
        admit_in_person(actor=make.user(Role.liaison), cycle=cycle, name=name, birth_date=born,
                        area=cycle.areas[0], channel=Channel.kiosk, today=TODAY)
    assert [m.voted_via for m in raised.value.matches] == [Channel.online]
    db.session.rollback()
    entry, _ = register_online(cycle=cycle, name=name, birth_date=born, area=cycle.areas[0],
                               email="near@example.org", today=TODAY)
    assert entry.status == RollStatus.held


def test_unrelated_people_are_not_near_matches(voting_cycle, make):
    """Another name on another birth date goes straight through."""
    cycle, ids = voting_cycle
    vote_online(cycle, ids)
    entry = admit_in_person(actor=make.user(Role.liaison), cycle=cycle, name="Lan Tran", birth_date=date(1975, 3, 2),
                            area=cycle.areas[0], channel=Channel.kiosk, today=TODAY)
    assert entry.status == RollStatus.active


def test_liaison_decisions_are_audited_without_personal_data(voting_cycle, make):
    """'Different person' admits them, 'same person' refuses; each decision is an audit event
    holding only the decision, a listed reason and the channel."""
    cycle, ids = voting_cycle
    vote_online(cycle, ids)
    liaison = make.user(Role.liaison)
    args = dict(actor=liaison, cycle=cycle, birth_date=date(1980, 4, 13), area=cycle.areas[0],
                channel=Channel.kiosk, today=TODAY)
    assert admit_in_person(name=NAME, decision=SAME, reason="same_details", **args) is None
    db.session.commit()
    other = admit_in_person(name=NAME, decision=DIFFERENT, reason="family", **args)
    db.session.commit()
    assert other.status == RollStatus.active and roll_size() == 2
    events = db.session.scalars(select(AuditEvent).filter_by(action="roll.decide").order_by(AuditEvent.seq)).all()
    assert [e.data for e in events] == [
        {"decision": "same", "reason": "same_details", "channel": "kiosk"},
        {"decision": "different", "reason": "family", "channel": "kiosk"}]


def test_same_person_who_has_not_voted_continues_as_that_entry(voting_cycle, make):
    """A typo'd online registration that never voted: the liaison's 'same person' reuses it."""
    cycle, ids = voting_cycle
    first = register_voter(cycle=cycle, name=NAME, birth_date=date(1980, 4, 13), area=cycle.areas[0],
                           channel=Channel.online, today=TODAY)
    db.session.commit()
    entry = admit_in_person(actor=make.user(Role.liaison), cycle=cycle, name=NAME, birth_date=BORN,
                            area=cycle.areas[0], channel=Channel.kiosk, today=TODAY, decision=SAME, reason="same_details")
    assert entry.id == first.id and roll_size() == 1


def test_roll_ids_tokens_and_credentials_are_random(voting_cycle):
    """Roll entries, codes and vote marks carry random keys; the link token is not the id."""
    cycle, ids = voting_cycle
    entry, token = register_online(cycle=cycle, name=NAME, birth_date=BORN, area=cycle.areas[0],
                                   email="a@example.org", today=TODAY)
    [code] = issue_access_codes(actor=None, cycle=cycle, count=1, batch="r")
    credential = check_access_code(cycle, code)
    assert re.fullmatch(r"[0-9a-f]{32}", entry.id) and re.fullmatch(r"code:[0-9a-f]{32}", credential)
    assert entry.id not in token and len(token) >= 32
    db.session.commit()
    verify_email(cycle=cycle, token=token)
    cast_ballot(cycle=cycle, credential=f"roll:{entry.id}", ranking=ids[:1], channel=Channel.online, locale="en")
    assert db.session.scalar(select(VoteMark.credential)) == f"roll:{entry.id}"
    keys = db.session.scalars(select(RollKey.key)).all()
    assert keys and all(re.fullmatch(r"[0-9a-f]{64}", k) for k in keys)


def test_the_roll_stores_no_name_or_birth_date(voting_cycle):
    """Only keyed hashes: neither the name, its skeleton nor the birth date is in any roll column."""
    cycle, _ = voting_cycle
    register_online(cycle=cycle, name=NAME, birth_date=BORN, area=cycle.areas[0], email="a@example.org", today=TODAY)
    db.session.commit()
    rows = db.session.execute(select(VoterRollEntry)).scalars()
    stored = " ".join(_readable(v) for row in rows for k, v in vars(row).items() if k != "_sa_instance_state")
    for secret in ("jose", "nunez", "rnaria", "1980", "a@example.org"):
        assert secret not in stored.casefold()
    # The keyed hashes are there, and are nothing but hex (so they carry no name or date).
    keys = db.session.scalars(select(RollKey.key)).all()
    assert keys and all(re.fullmatch(r"[0-9a-f]{64}", k) for k in keys)


def _readable(value) -> str:
    """A stored value as a reader would search it, minus what holds digits by chance: random ids
    and keyed hashes (hex: '1980' turned up in one run in about 30) and the clock's microseconds."""
    if isinstance(value, str) and re.fullmatch(r"[0-9a-f]{32}|[0-9a-f]{64}", value):
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value)


def test_one_identity_through_every_channel_yields_one_ballot(app, voting_cycle, make):
    """Personal code first; then registration, another code, kiosk and paper all refuse."""
    cycle, ids = voting_cycle
    cycle.personal_access_codes = True
    first, second = issue_access_codes(actor=None, cycle=cycle, count=2, batch="p")
    credential = claim_personal_code(cycle=cycle, code=first, name=NAME, birth_date=BORN, area=cycle.areas[0],
                                     today=TODAY)
    cast_ballot(cycle=cycle, credential=credential, ranking=ids[:1], channel=Channel.online, locale="en")
    db.session.commit()
    attempts = [
        lambda: register_online(cycle=cycle, name="Nunez Jose Maria", birth_date=BORN, area=cycle.areas[1],
                                email="b@example.org", today=TODAY),
        lambda: cast_ballot(cycle=cycle, credential=claim_personal_code(
            cycle=cycle, code=second, name="JOSE MARIA NUNEZ", birth_date=BORN, area=cycle.areas[0], today=TODAY),
            ranking=ids[:1], channel=Channel.online, locale="en"),
        lambda: admit_in_person(actor=None, cycle=cycle, name="Núñez, José", birth_date=BORN, area=cycle.areas[0],
                                channel=Channel.kiosk, today=TODAY, decision=SAME, reason="same_details"),
        lambda: admit_in_person(actor=None, cycle=cycle, name=NAME, birth_date=BORN, area=cycle.areas[1],
                                channel=Channel.paper, today=TODAY),
    ]
    for attempt in attempts:
        try:
            result = attempt()
        except (AlreadyRegistered, AlreadyVoted):
            result = None
        assert result is None
        db.session.rollback()
    assert ballots() == 1


def test_personal_code_is_used_up_by_its_holders_cast(voting_cycle):
    """A personal code bound to one person is used when they cast; a second person naming
    the same code is told only at their cast, like an anonymous code."""
    cycle, ids = voting_cycle
    cycle.personal_access_codes = True
    [code] = issue_access_codes(actor=None, cycle=cycle, count=1, batch="p")
    one = claim_personal_code(cycle=cycle, code=code, name="Lan Tran", birth_date=BORN, area=cycle.areas[0], today=TODAY)
    two = claim_personal_code(cycle=cycle, code=code, name="Amina Yusuf", birth_date=date(1990, 5, 1),
                              area=cycle.areas[0], today=TODAY)
    cast_ballot(cycle=cycle, credential=one, ranking=ids[:1], channel=Channel.online, locale="en")
    db.session.commit()
    with pytest.raises(AlreadyVoted):
        cast_ballot(cycle=cycle, credential=two, ranking=ids[:1], channel=Channel.online, locale="en")
    db.session.rollback()
    assert ballots() == 1


def test_used_anonymous_code_answers_like_an_unused_one(client, voting_cycle, codes):
    """Entering a used code leads to the ballot exactly like an unused one; only the cast says 'already voted'."""
    cycle, ids = voting_cycle
    cast_ballot(cycle=cycle, credential=check_access_code(cycle, codes[0]), ranking=ids[:1],
                channel=Channel.online, locale="en")
    db.session.commit()
    answers = []
    for code in (codes[0], codes[1]):
        fresh = client.application.test_client()
        page = fresh.get(f"/cycles/{cycle.slug}/vote").get_data(as_text=True)
        response = fresh.post(f"/cycles/{cycle.slug}/vote/code", data={"code": code, "csrf_token": csrf_from(page)})
        answers.append(response.status_code)
        ballot = response.get_data(as_text=True)
        cast = fresh.post(f"/cycles/{cycle.slug}/ballot",
                          data={"csrf_token": csrf_from(ballot), "step": "cast", **ranks(ids, 0)})
        answers.append(cast.status_code)
    assert answers[0] == answers[2] == 200 and answers[1] == 409 and answers[3] == 200


def test_start_page_says_anonymous_codes_are_not_deduplicated(client, voting_cycle):
    """The voting page tells residents that anonymous codes are not checked against the roll."""
    cycle, _ = voting_cycle
    page = client.get(f"/cycles/{cycle.slug}/vote").get_data(as_text=True)
    assert "not checked against registrations" in page


def test_personal_code_form_asks_who_you_are_and_writes_the_roll(client, voting_cycle, codes):
    """With personal codes the form asks name and birth date, and the holder is on the roll."""
    cycle, ids = voting_cycle
    cycle.personal_access_codes = True
    db.session.commit()
    page = client.get(f"/cycles/{cycle.slug}/vote").get_data(as_text=True)
    assert 'name="birth_date"' in page
    data = {"code": codes[0], "name": NAME, "birth_date": BORN.isoformat(), "area": cycle.areas[0].slug,
            "attest": "y", "csrf_token": csrf_from(page)}
    response = client.post(f"/cycles/{cycle.slug}/vote/code", data=data)
    assert response.status_code == 200 and 'name="rank-' in response.get_data(as_text=True)
    assert roll_size() == 1
    missing = client.post(f"/cycles/{cycle.slug}/vote/code", data=data | {"birth_date": ""})
    assert missing.status_code == 400


@pytest.mark.parametrize("born, message", [
    ("1899-12-31", "after 1 January 1900"),
    ("2999-01-01", "cannot be in the future"),
    ("1901-01-01", "less than 120 years ago"),
])
def test_implausible_birth_dates_are_refused_at_registration(client, voting_cycle, born, message):
    """A birth date before 1900, in the future or over 120 years ago gets a clear message."""
    cycle, _ = voting_cycle
    page = client.get(f"/cycles/{cycle.slug}/vote").get_data(as_text=True)
    response = client.post(f"/cycles/{cycle.slug}/vote/register", data={
        "name": NAME, "birth_date": born, "area": cycle.areas[0].slug, "email": "a@example.org",
        "attest": "y", "csrf_token": csrf_from(page)})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert roll_size() == 0


def test_held_registration_waits_for_a_liaison(app, client, voting_cycle, make):
    """A near-match registration is held: its link says a liaison is checking; after the
    liaison decides 'different person' on the list page, the same link opens the ballot."""
    cycle, ids = voting_cycle
    vote_online(cycle, ids)
    page = client.get(f"/cycles/{cycle.slug}/vote").get_data(as_text=True)
    held = client.post(f"/cycles/{cycle.slug}/vote/register", data={
        "name": NAME, "birth_date": "1980-04-13", "area": cycle.areas[0].slug, "email": "b@example.org",
        "attest": "y", "csrf_token": csrf_from(page)})
    assert held.status_code == 200 and "community liaison will check" in held.get_data(as_text=True)
    entry = db.session.scalar(select(VoterRollEntry).filter_by(status=RollStatus.held))
    _, token = register_online(cycle=cycle, name=NAME, birth_date=date(1980, 4, 13), area=cycle.areas[0],
                               email="b@example.org", today=TODAY)  # the resident's (resent) link
    db.session.commit()
    link = f"/cycles/{cycle.slug}/vote/verify/{token}"
    waiting = app.test_client().get(link, follow_redirects=True)
    assert "still checking" in waiting.get_data(as_text=True)
    liaison = app.test_client()
    login(liaison, make.user(Role.liaison))
    listing = liaison.get(f"/cycles/{cycle.slug}/vote/held").get_data(as_text=True)
    assert "Possible match: already voted online" in listing
    decided = liaison.post(f"/cycles/{cycle.slug}/vote/held", data={
        "entry": entry.id, "decision": "different", "reason": "birth_date", "csrf_token": csrf_from(listing)})
    assert decided.status_code == 302
    assert open_voting_link(app.test_client(), link).location.endswith("/ballot")


def test_residents_cannot_see_or_decide_held_registrations(app, voting_cycle, make):
    """The held list is for liaisons and staff only."""
    cycle, _ = voting_cycle
    resident = app.test_client()
    login(resident, make.user(Role.resident))
    assert resident.get(f"/cycles/{cycle.slug}/vote/held").status_code == 403


def test_parallel_registration_of_one_new_person_gives_one_entry(app, voting_cycle):
    """Eight devices register one new person at the same moment: one roll entry, clean answers."""
    cycle, _ = voting_cycle
    parallel, barrier, outcomes = 8, threading.Barrier(8), []
    slug, area = cycle.slug, cycle.areas[0].slug  # threads have no app context to load them

    def submit(n):
        device = app.test_client()
        page = device.get(f"/cycles/{slug}/vote").get_data(as_text=True)
        data = {"name": "Rosa Delgado", "birth_date": "1961-07-30", "area": area,
                "email": f"rosa{n}@example.org", "attest": "y", "csrf_token": csrf_from(page)}
        barrier.wait()
        response = device.post(f"/cycles/{slug}/vote/register", data=data)
        outcomes.append(response.status_code)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(parallel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    db.session.rollback()
    assert len(outcomes) == parallel and set(outcomes) <= {200, 400}, outcomes
    assert roll_size() == 1


def test_one_mailbox_cannot_register_a_crowd(app, client, voting_cycle):
    """Plus-tags and case do not make a new mailbox: the per-email limit stops invented residents."""
    cycle, _ = voting_cycle
    statuses = []
    for n in range(5):
        page = client.get(f"/cycles/{cycle.slug}/vote").get_data(as_text=True)
        statuses.append(client.post(f"/cycles/{cycle.slug}/vote/register", data={
            "name": f"Invented Person{'x' * n} Q{n}", "birth_date": f"19{50 + 7 * n}-0{n + 1}-1{n}",
            "area": cycle.areas[0].slug, "email": f"Crowd+{n}@Example.org", "attest": "y",
            "csrf_token": csrf_from(page)}).status_code)
    assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]
    assert roll_size() == 3


def _personal_code_page(client, cycle, code, name, born):
    token = csrf_from(client.get(f"/cycles/{cycle.slug}/vote").get_data(as_text=True))
    return client.post(f"/cycles/{cycle.slug}/vote/code", data={
        "code": code, "name": name, "birth_date": born.isoformat(), "area": cycle.areas[0].slug, "attest": "y",
        "csrf_token": token})


def test_a_used_personal_code_cannot_lock_someone_else_out(app, voting_cycle, codes):
    """Someone enters their own used code with another person's name: they get a ballot page
    like anyone, cannot cast, and the other person still votes, online or at a kiosk."""
    cycle, ids = voting_cycle
    cycle.personal_access_codes = True
    db.session.commit()
    eve = app.test_client()
    ballot = _personal_code_page(eve, cycle, codes[0], "Eve Adams", date(1985, 2, 3)).get_data(as_text=True)
    assert eve.post(f"/cycles/{cycle.slug}/ballot", data={"csrf_token": csrf_from(ballot), "step": "cast",
                                                          **ranks(ids, 0)}).status_code == 200
    victim = register_voter(cycle=cycle, name="Vic Moreau", birth_date=date(1970, 1, 1), area=cycle.areas[0],
                            channel=Channel.kiosk, today=TODAY)
    db.session.commit()
    other = app.test_client()
    page = _personal_code_page(other, cycle, codes[0], "Vic Moreau", date(1970, 1, 1))
    assert page.status_code == 200 and 'name="rank-' in page.get_data(as_text=True)
    refused = other.post(f"/cycles/{cycle.slug}/ballot", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                                               "step": "cast", **ranks(ids, 1)})
    assert refused.status_code == 409
    cast_ballot(cycle=cycle, credential=f"roll:{victim.id}", ranking=ids[:1], channel=Channel.kiosk, locale="en")
    db.session.commit()
    assert ballots() == 2


def test_one_personal_code_cannot_lock_out_the_people_it_names(app, voting_cycle, codes):
    """Someone enters a code with another person's name (and does not cast), then casts with
    the same code as themselves: the other person still votes with their own code."""
    cycle, ids = voting_cycle
    cycle.personal_access_codes = True
    db.session.commit()
    _personal_code_page(app.test_client(), cycle, codes[0], "Vic Moreau", date(1970, 1, 1))
    eve = app.test_client()
    ballot = _personal_code_page(eve, cycle, codes[0], "Eve Adams", date(1985, 2, 3)).get_data(as_text=True)
    assert eve.post(f"/cycles/{cycle.slug}/ballot", data={"csrf_token": csrf_from(ballot), "step": "cast",
                                                          **ranks(ids, 0)}).status_code == 200
    vic = app.test_client()
    ballot = _personal_code_page(vic, cycle, codes[1], "Vic Moreau", date(1970, 1, 1)).get_data(as_text=True)
    cast = vic.post(f"/cycles/{cycle.slug}/ballot", data={"csrf_token": csrf_from(ballot), "step": "cast",
                                                         **ranks(ids, 1)})
    assert cast.status_code == 200 and 'id="tracker"' in cast.get_data(as_text=True)
    assert ballots() == 2


def test_a_personal_code_does_not_tell_whether_a_named_person_voted(app, voting_cycle, codes):
    """Entering someone's name with a code answers the same whether they voted or not; only
    a cast says so, and it stores nothing (the code stays unused)."""
    cycle, ids = voting_cycle
    cycle.personal_access_codes = True
    voted = register_voter(cycle=cycle, name="Ann Okafor", birth_date=date(1960, 6, 6), area=cycle.areas[0],
                           channel=Channel.kiosk, today=TODAY)
    register_voter(cycle=cycle, name="Ben Ito", birth_date=date(1961, 7, 7), area=cycle.areas[0],
                   channel=Channel.kiosk, today=TODAY)
    db.session.commit()
    cast_ballot(cycle=cycle, credential=f"roll:{voted.id}", ranking=ids[:1], channel=Channel.online, locale="en")
    db.session.commit()
    pages = [_personal_code_page(app.test_client(), cycle, code, name, born)
             for code, name, born in ((codes[1], "Ann Okafor", date(1960, 6, 6)),
                                      (codes[2], "Ben Ito", date(1961, 7, 7)))]
    assert [p.status_code for p in pages] == [200, 200]
    assert not any("already voted" in p.get_data(as_text=True) for p in pages)
    assert all('name="rank-' in p.get_data(as_text=True) for p in pages)


def test_a_used_and_an_unused_personal_code_answer_alike_for_a_near_match(app, voting_cycle, codes):
    """A name one day off someone on the roll is held for a liaison: a used code gets the same
    answer as an unused one, so nobody can sort a sheet's codes by trying them."""
    cycle, ids = voting_cycle
    cycle.personal_access_codes = True
    ann = register_voter(cycle=cycle, name="Ann Okafor", birth_date=date(1960, 6, 6), area=cycle.areas[0],
                         channel=Channel.kiosk, today=TODAY)
    db.session.commit()
    cast_ballot(cycle=cycle, credential=f"roll:{ann.id}", ranking=ids[:1], channel=Channel.kiosk, locale="en")
    voter = app.test_client()
    ballot = _personal_code_page(voter, cycle, codes[0], "Bo Lind", date(1975, 1, 2)).get_data(as_text=True)
    voter.post(f"/cycles/{cycle.slug}/ballot", data={"csrf_token": csrf_from(ballot), "step": "cast", **ranks(ids, 0)})
    answers = []
    for code in (codes[0], codes[1]):  # used, unused
        client = app.test_client()
        response = _personal_code_page(client, cycle, code, "Ann Okafor", date(1960, 6, 7))
        answers.append((response.status_code, response.location,
                        "liaison will check" in client.get(f"/cycles/{cycle.slug}/vote").get_data(as_text=True)))
    assert answers[0] == answers[1] and answers[0][0] == 302 and answers[0][2], answers


def test_a_code_voided_after_it_was_entered_is_not_valid_at_the_cast(app, client, voting_cycle, codes, make):
    """The batch is voided between entering the code and casting: the voter is told the code
    is not valid (not that they already voted), and nothing is stored."""
    cycle, ids = voting_cycle
    token = enter_code(client, cycle, codes[0])
    staff = app.test_client()
    login(staff, make.user(Role.staff))
    staff_token = csrf_from(staff.get(f"/admin/cycles/{cycle.slug}/codes").get_data(as_text=True))
    staff.post(f"/admin/cycles/{cycle.slug}/codes/void", data={"batch": "test", "csrf_token": staff_token})
    cast = client.post(f"/cycles/{cycle.slug}/ballot", data={"csrf_token": token, "step": "cast", **ranks(ids, 0)})
    assert cast.status_code == 400 and "not valid" in cast.get_data(as_text=True)
    assert ballots() == 0
