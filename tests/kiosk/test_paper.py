"""Paper batches: typed in, optionally checked by a second liaison, reconciled, then boxed."""

import pytest
from sqlalchemy import func, select

from pb.audit.models import AuditEvent
from pb.db import db
from pb.enums import Channel, Phase, Role
from pb.voting.models import Ballot
from tests.conftest import csrf_from, login
from tests.voting.conftest import ranks


@pytest.fixture
def batch_page(app, liaison, site):
    """A liaison's client with an open batch of 3 sheets; yields (client, url, token)."""
    client = app.test_client()
    login(client, liaison)
    token = csrf_from(client.get("/kiosk/").get_data(as_text=True))
    response = client.post("/kiosk/paper", data={"site": str(site.id), "received_on": "2027-04-02",
                                                 "received_count": "3", "csrf_token": token})
    assert response.status_code == 302 and "/kiosk/paper/" in response.location
    return client, response.location, token


def enter(client, url, token, sheet, fields):
    return client.post(f"{url}/sheets", data={"csrf_token": token, "sheet_no": str(sheet), **fields})


def paper_ballots() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.channel == Channel.paper))


def test_batch_reconciles_before_closing(batch_page, voting_cycle):
    """Received 3: two ranked and one invalid sheet close the batch and box two ballots."""
    client, url, token = batch_page
    _, ids = voting_cycle
    assert enter(client, url, token, 1, ranks(ids, 0, 1)).status_code == 302
    assert enter(client, url, token, 2, {"invalid_reason": "Two projects marked 1"}).status_code == 302
    early = client.post(f"{url}/close", data={"csrf_token": token}, follow_redirects=True)
    assert "does not add up" in early.get_data(as_text=True) and paper_ballots() == 0
    enter(client, url, token, 3, ranks(ids, 2))
    client.post(f"{url}/close", data={"csrf_token": token})
    assert paper_ballots() == 2
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("paper.%"))
                                 .order_by(AuditEvent.seq)).all()
    assert actions == ["paper.open", "paper.close"]  # sheets are sealed by the close digest


def test_double_entry_mismatch_blocks_closing_until_resolved(app, batch_page, voting_cycle, make):
    """A second liaison's different reading is flagged; the batch closes only once resolved."""
    client, url, token = batch_page
    _, ids = voting_cycle
    for sheet in (1, 2, 3):
        enter(client, url, token, sheet, ranks(ids, 0))
    second = app.test_client()
    login(second, make.user(Role.liaison))
    token2 = csrf_from(second.get(url).get_data(as_text=True))
    enter(second, url, token2, 2, ranks(ids, 1))  # a deliberate mismatch
    page = second.get(url).get_data(as_text=True)
    assert "Mismatch" in page
    second.post(f"{url}/close", data={"csrf_token": token2})
    assert paper_ballots() == 0
    enter(second, url, token2, 2, {**ranks(ids, 0), "resolve": "y"})
    second.post(f"{url}/close", data={"csrf_token": token2})
    assert paper_ballots() == 3


def test_same_liaison_cannot_check_their_own_entry(batch_page, voting_cycle):
    client, url, token = batch_page
    _, ids = voting_cycle
    enter(client, url, token, 1, ranks(ids, 0))
    again = enter(client, url, token, 1, ranks(ids, 1))
    assert again.status_code == 400 and "another liaison" in again.get_data(as_text=True)


@pytest.mark.parametrize("sheet, fields, message", [
    (4, lambda ids: ranks(ids, 0), "Sheet numbers go from 1 to 3"),
    (1, lambda ids: {"rank-999999": "1"}, "not on this ballot"),
    (1, lambda ids: {}, "Rank at least one project"),
    (0, lambda ids: ranks(ids, 0), "Number must be between"),
])
def test_bad_sheets_change_nothing(batch_page, voting_cycle, sheet, fields, message):
    """Out-of-range sheets, unknown projects and empty rankings are refused with a reason."""
    client, url, token = batch_page
    response = enter(client, url, token, sheet, fields(voting_cycle[1]))
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert "Still to enter" in response.get_data(as_text=True)


def test_reconciled_paper_ballots_count_in_participation_after_close(app, batch_page, voting_cycle, make):
    """Staff see participation only after voting closes, paper included."""
    client, url, token = batch_page
    cycle, ids = voting_cycle
    for sheet in (1, 2, 3):
        enter(client, url, token, sheet, ranks(ids, 0))
    client.post(f"{url}/close", data={"csrf_token": token})
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
