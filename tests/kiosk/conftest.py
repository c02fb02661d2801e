import re

import pytest

from pb.db import db
from pb.enums import Role
from pb.kiosk.services import add_site
from tests.conftest import csrf_from, login
from tests.voting.conftest import codes, voting_cycle  # noqa: F401  (fixtures)


@pytest.fixture
def site(voting_cycle):  # noqa: F811
    cycle, _ = voting_cycle
    cycle.use_kiosks = True  # staff turned kiosks and paper on for the cycle
    site = add_site(actor=None, cycle=cycle, name="Eastside Library", area=cycle.areas[0])
    db.session.commit()
    return site


PIN = "4816"  # the liaison's check-in PIN for the shift


@pytest.fixture
def liaison(make):
    return make.user(Role.liaison)


@pytest.fixture
def kiosk_client(app, liaison, site):
    """A liaison's device in kiosk mode at `site`; yields (client, kiosk_id)."""
    client = app.test_client()
    login(client, liaison)
    token = csrf_from(client.get("/kiosk/").get_data(as_text=True))
    response = client.post("/kiosk/sessions", data={"site": str(site.id), "pin": PIN, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    kiosk_id = int(response.location.rstrip("/").rsplit("/", 1)[1])
    return client, kiosk_id


def once_from(html: str) -> str:
    """The start screen's one-time check-in form value."""
    return re.search(r'name="once" value="([^"]+)"', html).group(1)


def check_in(client, kiosk_id, cycle, name="Lan Tran", birth_date="1975-03-02", **overrides):
    page = client.get(f"/kiosk/{kiosk_id}/").get_data(as_text=True)
    data = {"name": name, "birth_date": birth_date, "area": cycle.areas[0].slug, "attest": "y",
            "pin": PIN, "once": once_from(page), "csrf_token": csrf_from(page)} | overrides
    return client.post(f"/kiosk/{kiosk_id}/check-in", data=data)


def kiosk_cast(client, kiosk_id, ids, *order):
    """Rank on the ballot page, review, and press "Cast my ballot"; returns the cast response."""
    from tests.voting.conftest import ranks

    ballot = client.get(f"/kiosk/{kiosk_id}/ballot", follow_redirects=True)
    url = ballot.request.url  # carries this check-in's nonce
    token = csrf_from(ballot.get_data(as_text=True))
    review = client.post(url, data={"csrf_token": token, "step": "review", **ranks(ids, *order)})
    assert "/review?n=" in review.location, review.location
    page = client.get(review.location)
    return client.post(review.location, data={"csrf_token": csrf_from(page.get_data(as_text=True)), "step": "cast"})
