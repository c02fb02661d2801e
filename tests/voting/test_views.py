"""The online ballot: credential, rank, review, cast, confirmation, tracker lookup."""

import pytest
from sqlalchemy import func, select

from pb.db import db
from pb.enums import CodeStatus, Phase, Role
from pb.voting.models import AccessCode, Ballot, Tracker, VoteMark
from tests.conftest import csrf_from, login
from tests.voting.conftest import enter_code, ranks, tracker_in


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_cast_with_access_code_end_to_end(client, voting_cycle, codes):
    """Code → ballot → review → cast gives a tracker, stores one ballot, never repeats choices."""
    cycle, ids = voting_cycle
    token = enter_code(client, cycle, codes[0])
    review = client.post(f"/cycles/{cycle.slug}/ballot",
                         data={"csrf_token": token, "step": "review", **ranks(ids, 2, 0)})
    page = review.get_data(as_text=True)
    assert review.status_code == 200 and page.index("Project 2") < page.index("Project 0")
    cast = client.post(f"/cycles/{cycle.slug}/ballot", data={"csrf_token": token, "step": "cast", **ranks(ids, 2, 0)})
    assert cast.status_code == 200  # the confirmation answers the cast itself (four requests)
    confirmation = cast.get_data(as_text=True)
    tracker = tracker_in(confirmation)
    assert tracker and "Project 2" not in confirmation and "Project 0" not in confirmation
    ballot = db.session.scalars(select(Ballot)).one()
    assert ballot.ranking == [ids[2], ids[0]]
    assert db.session.scalars(select(Tracker.code)).all() == [tracker]
    assert db.session.scalar(select(AccessCode.status)) in (CodeStatus.used, CodeStatus.unused)
    assert db.session.scalar(select(func.count()).where(AccessCode.status == CodeStatus.used)) == 1


def test_replayed_cast_is_already_voted(client, voting_cycle, codes):
    """Posting the same cast form again (replay, back button) stores nothing more."""
    cycle, ids = voting_cycle
    token = enter_code(client, cycle, codes[0])
    form = {"csrf_token": token, "step": "cast", **ranks(ids, 0)}
    with client.session_transaction() as saved:
        cookie_session = dict(saved)
    assert 'id="tracker"' in client.post(f"/cycles/{cycle.slug}/ballot", data=form).get_data(as_text=True)
    with client.session_transaction() as s:  # replay the old session cookie too
        s.update(cookie_session)
    replay = client.post(f"/cycles/{cycle.slug}/ballot", data=form)
    assert replay.status_code == 409 and "already voted" in replay.get_data(as_text=True)
    assert count(Ballot) == 1


@pytest.mark.parametrize("fields, message", [
    ({"rank-A": "1", "rank-B": "1"}, "more than one project"),
    ({"rank-A": "1", "rank-B": "3"}, "skip number 2"),
    ({"rank-A": "1", "rank-999999": "2"}, "not on this ballot"),
    ({"rank-A": "1", "rank-B": "99"}, "Ranks go from 1 to 5"),
    ({"rank-A": "one"}, "Ranks go from 1 to 5"),
    ({"rank-A": "-1"}, "Ranks go from 1 to 5"),
    ({"rank-abc": "1"}, "not on this ballot"),
    ({}, "Rank at least one project"),
])
def test_invalid_ballots_are_explained_and_store_nothing(client, voting_cycle, codes, fields, message):
    """Duplicate ranks, gaps, unknown projects and tampered values get a clear error."""
    cycle, ids = voting_cycle
    token = enter_code(client, cycle, codes[0])
    names = {"A": str(ids[0]), "B": str(ids[1])}
    data = {k.replace("A", names["A"]).replace("B", names["B"]) if k in ("rank-A", "rank-B") else k: v
            for k, v in fields.items()}
    response = client.post(f"/cycles/{cycle.slug}/ballot", data={"csrf_token": token, "step": "cast", **data})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert count(Ballot) == 0 and count(VoteMark) == 0


def test_invalid_ballot_error_is_translated(client, voting_cycle, codes):
    cycle, ids = voting_cycle
    token = enter_code(client, cycle, codes[0])
    client.get("/language/es")
    response = client.post(f"/cycles/{cycle.slug}/ballot",
                           data={"csrf_token": token, "step": "cast", f"rank-{ids[0]}": "2"})
    assert response.status_code == 400 and "sin saltos" in response.get_data(as_text=True)


def test_cast_without_csrf_token_stores_nothing(client, voting_cycle, codes):
    cycle, ids = voting_cycle
    enter_code(client, cycle, codes[0])
    response = client.post(f"/cycles/{cycle.slug}/ballot", data={"step": "cast", **ranks(ids, 0)})
    assert response.status_code == 400 and count(Ballot) == 0


def test_oversized_ballot_is_refused(app, client, voting_cycle, codes):
    cycle, ids = voting_cycle
    token = enter_code(client, cycle, codes[0])
    response = client.post(f"/cycles/{cycle.slug}/ballot",
                           data={"csrf_token": token, "step": "cast", "pad": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413 and count(Ballot) == 0


def test_ballot_without_credential_goes_to_start(client, voting_cycle):
    cycle, _ = voting_cycle
    response = client.get(f"/cycles/{cycle.slug}/ballot")
    assert response.status_code == 302 and response.location.endswith("/vote")


def test_wrong_and_voided_codes_are_refused(app, client, voting_cycle, codes, make):
    """An unknown code and a code from a voided batch cannot open a ballot."""
    cycle, _ = voting_cycle
    token = csrf_from(client.get(f"/cycles/{cycle.slug}/vote").get_data(as_text=True))
    wrong = client.post(f"/cycles/{cycle.slug}/vote/code", data={"code": "ZZZZ-ZZZZ-ZZZZ", "csrf_token": token})
    assert wrong.status_code == 400 and "not valid" in wrong.get_data(as_text=True)
    staff_client = app.test_client()
    login(staff_client, make.user(Role.staff))
    staff_token = csrf_from(staff_client.get(f"/admin/cycles/{cycle.slug}/codes").get_data(as_text=True))
    staff_client.post(f"/admin/cycles/{cycle.slug}/codes/void", data={"batch": "test", "csrf_token": staff_token})
    voided = client.post(f"/cycles/{cycle.slug}/vote/code", data={"code": codes[1], "csrf_token": token})
    assert voided.status_code == 400


def test_a_voided_sheet_does_not_tell_which_of_its_codes_were_used(app, voting_cycle, codes, make):
    """After staff void a batch, trying each code of the sheet gives every one the same
    refusal: the used ones cannot be counted by whoever holds the sheet."""
    cycle, ids = voting_cycle
    for code in codes[:3]:
        voter = app.test_client()
        token = enter_code(voter, cycle, code)
        voter.post(f"/cycles/{cycle.slug}/ballot", data={"csrf_token": token, "step": "cast", **ranks(ids, 0)})
    staff = app.test_client()
    login(staff, make.user(Role.staff))
    staff_token = csrf_from(staff.get(f"/admin/cycles/{cycle.slug}/codes").get_data(as_text=True))
    staff.post(f"/admin/cycles/{cycle.slug}/codes/void", data={"batch": "test", "csrf_token": staff_token})
    answers = set()
    for code in codes:
        client = app.test_client()
        token = csrf_from(client.get(f"/cycles/{cycle.slug}/vote").get_data(as_text=True))
        response = client.post(f"/cycles/{cycle.slug}/vote/code", data={"code": code, "csrf_token": token})
        answers.add((response.status_code, "not valid" in response.get_data(as_text=True)))
    assert answers == {(400, True)}
    statuses = sorted(c.status for c in db.session.scalars(select(AccessCode)))
    assert statuses.count(CodeStatus.used) == 3  # staff still see, after the close, how many were used


@pytest.mark.parametrize("field, value", [("rank", "²"), ("rank", "①"), ("rank", "٣"), ("rank", "99999999999999999999999"),
                                          ("name", "²"), ("name", "99999999999999999999999")])
def test_a_rank_or_project_number_in_other_digits_is_a_clear_error(client, voting_cycle, codes, field, value):
    """Characters Python calls digits but that are not 0-9 ("²", "①", Arabic-Indic), or a
    number too big for the database, get the ballot back with a message, never a 500."""
    cycle, ids = voting_cycle
    token = enter_code(client, cycle, codes[0])
    data = {f"rank-{ids[0]}": value} if field == "rank" else {f"rank-{value}": "1"}
    response = client.post(f"/cycles/{cycle.slug}/ballot", data={"csrf_token": token, "step": "review", **data})
    assert response.status_code == 400 and 'role="alert"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0


@pytest.mark.parametrize("typed", ["{} {} {}", "{}\u2013{}\u2013{}", "{}\t{}\t{}", " {}-{} {} "])
def test_access_codes_may_be_typed_with_spaces_or_other_dashes(client, voting_cycle, codes, typed):
    """A code read out or copied from a message comes with spaces, tabs or typographic dashes."""
    cycle, _ = voting_cycle
    token = csrf_from(client.get(f"/cycles/{cycle.slug}/vote").get_data(as_text=True))
    groups = codes[0].lower().split("-")
    response = client.post(f"/cycles/{cycle.slug}/vote/code", data={"code": typed.format(*groups), "csrf_token": token})
    assert response.status_code == 200 and 'name="rank-' in response.get_data(as_text=True)


def test_voting_closed_shows_no_ballot(client, make):
    cycle = make.cycle(phase=Phase.ideas)
    assert "Voting is not open" in client.get(f"/cycles/{cycle.slug}/vote", follow_redirects=True).get_data(as_text=True)


def test_tracker_lookup_after_sealing(app, client, voting_cycle, codes, make):
    """Before sealing the page says to wait; after, a tracker is found in the box of N."""
    cycle, ids = voting_cycle
    token = enter_code(client, cycle, codes[0])
    cast = client.post(f"/cycles/{cycle.slug}/ballot", data={"csrf_token": token, "step": "cast", **ranks(ids, 1)})
    tracker = tracker_in(cast.get_data(as_text=True))
    before = client.get(f"/cycles/{cycle.slug}/tracker?tracker={tracker}").get_data(as_text=True)
    assert "sealed when voting closes" in before and "sealed box of" not in before
    staff = app.test_client()
    login(staff, make.user(Role.staff))
    staff_token = csrf_from(staff.get("/admin/").get_data(as_text=True))
    assert staff.post(f"/admin/cycles/{cycle.slug}/advance", data={"csrf_token": staff_token, "current": "voting"}).status_code == 302
    found = client.get(f"/cycles/{cycle.slug}/tracker?tracker={tracker.lower()}").get_data(as_text=True)
    assert "sealed box of 1 ballot" in found
    missing = client.get(f"/cycles/{cycle.slug}/tracker?tracker=AAAA-AAAA-AAAA").get_data(as_text=True)
    assert "did not find" in missing


def test_staff_prints_codes_once_and_counts_stay_hidden_during_voting(app, client, voting_cycle, make):
    """Issued codes appear once on the print sheet; used counts are hidden while voting is open."""
    cycle, _ = voting_cycle
    login(client, make.user(Role.staff))
    token = csrf_from(client.get(f"/admin/cycles/{cycle.slug}/codes").get_data(as_text=True))
    sheet = client.post(f"/admin/cycles/{cycle.slug}/codes", data={"count": "3", "batch": "library", "csrf_token": token})
    html = sheet.get_data(as_text=True)
    assert sheet.status_code == 200 and html.count('class="code-card"') == 3 and "data:image/svg+xml" in html
    listing = client.get(f"/admin/cycles/{cycle.slug}/codes").get_data(as_text=True)
    assert "library" in listing and "shown after voting closes" in listing
    bad = client.post(f"/admin/cycles/{cycle.slug}/codes", data={"count": "0", "batch": "x", "csrf_token": token})
    assert bad.status_code == 400 and count(AccessCode) == 1 + 3  # the batch issued before voting, and these


def test_credentials_can_be_switched_off(client, voting_cycle, make):
    """With access codes off, the code form is gone and posting a code is refused."""
    cycle, _ = voting_cycle
    login(client, make.user(Role.staff))
    token = csrf_from(client.get(f"/admin/cycles/{cycle.slug}/codes").get_data(as_text=True))
    client.post(f"/admin/cycles/{cycle.slug}/credentials", data={"registration": "y", "csrf_token": token})
    db.session.refresh(cycle)
    assert cycle.allow_access_codes is False and cycle.allow_registration is True
    assert "I have an access code" not in client.get(f"/cycles/{cycle.slug}/vote").get_data(as_text=True)
