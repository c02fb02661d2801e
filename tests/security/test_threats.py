"""Tests named in docs/SECURITY.md for threats not covered elsewhere."""

from __future__ import annotations

from tests.kiosk.conftest import check_in, kiosk_cast, kiosk_client, liaison, site  # noqa: F401  (fixtures)
from tests.voting.conftest import codes, ranks, voting_cycle  # noqa: F401  (fixtures)


def test_kiosk_leaves_nothing_for_the_next_resident(kiosk_client, voting_cycle):  # noqa: F811
    """After casting, the kiosk shows no choices, clears browser storage and keeps no voter state."""
    client, kiosk_id = kiosk_client
    cycle, ids = voting_cycle
    assert check_in(client, kiosk_id, cycle).status_code == 302
    cast = kiosk_cast(client, kiosk_id, ids, 1)  # rank, review, cast (pb.kiosk.views)
    thanks = client.get(cast.location)
    page = thanks.get_data(as_text=True)
    assert thanks.headers["Cache-Control"] == "no-store" and "storage" in thanks.headers["Clear-Site-Data"]
    assert "Project 1" not in page
    with client.session_transaction() as s:
        assert "kiosk_voter" not in s  # the tracker alone stays, until Done or the idle limit
    client.get(f"/kiosk/{kiosk_id}/")  # Done
    with client.session_transaction() as s:
        assert "kiosk_tracker" not in s and "locale" not in s
    back = client.get(f"/kiosk/{kiosk_id}/ballot")
    assert back.status_code == 302  # the next person cannot reopen the ballot
