"""Kiosk replay: each check-in has a one-time nonce; pages and forms of an earlier check-in
are refused, and the ranking never travels in a URL or a replayable form."""

from sqlalchemy import func, select

from pb.db import db
from pb.voting.models import Ballot
from tests.conftest import csrf_from
from tests.kiosk.conftest import check_in, kiosk_cast
from tests.voting.conftest import ranks


def ballots() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Ballot))


def review_of(client, kiosk_id, ids, *order):
    """Resident ranks and reaches the review page; returns (review URL, its CSRF token)."""
    ballot = client.get(f"/kiosk/{kiosk_id}/ballot", follow_redirects=True)
    review = client.post(ballot.request.url, data={"csrf_token": csrf_from(ballot.get_data(as_text=True)),
                                                   "step": "review", **ranks(ids, *order)})
    assert review.status_code == 302 and "rank-" not in review.location
    return review.location, csrf_from(client.get(review.location).get_data(as_text=True))


def test_review_form_of_an_earlier_check_in_cannot_cast(kiosk_client, voting_cycle):
    """Resident 1's review page, replayed in resident 2's check-in, shows and casts nothing of theirs."""
    client, kiosk_id = kiosk_client
    cycle, ids = voting_cycle
    check_in(client, kiosk_id, cycle, name="Ana Silva")
    old_review, token = review_of(client, kiosk_id, ids, 3)
    client.get(f"/kiosk/{kiosk_id}/timeout")  # resident 1 walks away before casting
    check_in(client, kiosk_id, cycle, name="Bo Chen")
    replayed = client.post(old_review, data={"csrf_token": token, "step": "cast"})
    assert replayed.status_code == 302 and "/ballot?n=" in replayed.location
    assert ballots() == 0
    reloaded = client.get(old_review, follow_redirects=True)
    page = reloaded.get_data(as_text=True)
    assert "Project 3" in page and "Cast my ballot" not in page and 'selected>' not in page.split("Project 3")[1][:400]
    assert "earlier check-in" in page


def test_cast_review_cannot_be_replayed_after_the_resident_leaves(kiosk_client, voting_cycle):
    """After resident 1 casts, their review URL and form lead to the start screen, not a ballot."""
    client, kiosk_id = kiosk_client
    cycle, ids = voting_cycle
    check_in(client, kiosk_id, cycle, name="Ana Silva")
    review_url, token = review_of(client, kiosk_id, ids, 2)
    assert client.post(review_url, data={"csrf_token": token, "step": "cast"}).status_code == 302
    assert ballots() == 1
    for response in (client.get(review_url), client.post(review_url, data={"csrf_token": token, "step": "cast"})):
        assert response.status_code == 302 and response.location.endswith(f"/kiosk/{kiosk_id}/")
    assert ballots() == 1


def test_old_ballot_form_cannot_review_for_the_next_resident(kiosk_client, voting_cycle):
    """A ballot form posted with an earlier check-in's nonce stores no draft for the next resident."""
    client, kiosk_id = kiosk_client
    cycle, ids = voting_cycle
    check_in(client, kiosk_id, cycle, name="Ana Silva")
    old = client.get(f"/kiosk/{kiosk_id}/ballot", follow_redirects=True)
    old_url, token = old.request.url, csrf_from(old.get_data(as_text=True))
    client.get(f"/kiosk/{kiosk_id}/timeout")
    check_in(client, kiosk_id, cycle, name="Bo Chen")
    replay = client.post(old_url, data={"csrf_token": token, "step": "review", **ranks(ids, 1)})
    assert "/ballot?n=" in replay.location and replay.location != old_url
    with client.session_transaction() as s:
        assert not s["kiosk_voter"].get("draft")
    assert kiosk_cast(client, kiosk_id, ids, 0).location.endswith("/thanks")
    db.session.rollback()
    assert db.session.scalars(select(Ballot.ranking)).all() == [[ids[0]]]


def test_language_is_reset_for_the_next_resident(kiosk_client, voting_cycle):
    """The thanks page is in the resident's language; the next start screen is not."""
    client, kiosk_id = kiosk_client
    cycle, ids = voting_cycle
    client.get(f"/language/es?next=/kiosk/{kiosk_id}/")
    check_in(client, kiosk_id, cycle)
    thanks = client.get(kiosk_cast(client, kiosk_id, ids, 0).location)
    assert 'lang="es"' in thanks.get_data(as_text=True)
    with client.session_transaction() as s:
        assert "kiosk_voter" not in s
    assert '<html lang="en' in client.get(f"/kiosk/{kiosk_id}/").get_data(as_text=True)  # Done
    with client.session_transaction() as s:
        assert "locale" not in s and "kiosk_tracker" not in s


def test_project_page_keeps_the_check_in(kiosk_client, voting_cycle):
    """"More about this project" opens inside the kiosk and leads back to the same ballot."""
    client, kiosk_id = kiosk_client
    cycle, ids = voting_cycle
    check_in(client, kiosk_id, cycle)
    ballot = client.get(f"/kiosk/{kiosk_id}/ballot", follow_redirects=True)
    more = client.get(f"/projects/{ids[1]}")
    assert more.location.endswith(f"/kiosk/{kiosk_id}/projects/{ids[1]}")
    page = client.get(more.location).get_data(as_text=True)
    assert "Project 1" in page and ballot.request.url.split("/kiosk")[1].replace("&", "&amp;") in page
    assert kiosk_cast(client, kiosk_id, ids, 1).location.endswith("/thanks")
