import re

import pytest

from pb.db import db
from pb.enums import Phase
from pb.voting.services import issue_access_codes
from tests.conftest import csrf_from, open_voting


@pytest.fixture
def voting_cycle(make):
    """A cycle in voting with four ready projects (ids returned in creation order)."""
    cycle = make.cycle(phase=Phase.development)
    projects = [make.project(cycle, cost_cents=(i + 1) * 10_000_00, title=f"Project {i}") for i in range(4)]
    open_voting(cycle)
    return cycle, [p.id for p in projects]


@pytest.fixture
def codes(voting_cycle):
    cycle, _ = voting_cycle
    issued = issue_access_codes(actor=None, cycle=cycle, count=60, batch="test")
    db.session.commit()
    return issued


def enter_code(client, cycle, code):
    """Start voting with an access code; returns the ballot page's CSRF token."""
    token = csrf_from(client.get(f"/cycles/{cycle.slug}/vote").get_data(as_text=True))
    response = client.post(f"/cycles/{cycle.slug}/vote/code", data={"code": code, "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'name="rank-' in page, page[-2000:]  # the ballot, at once
    return csrf_from(page)


def open_voting_link(client, path):
    """Open an emailed voting link as a person does: the page it shows, then its button (a
    mail scanner only does the first). Returns the last answer."""
    page = client.get(path)
    if page.status_code != 200:
        return page
    return client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})


def ranks(ids, *order):
    """Form fields giving rank 1.. to the projects at the given indexes."""
    return {f"rank-{ids[i]}": str(r) for r, i in enumerate(order, start=1)}


def tracker_in(html: str) -> str | None:
    match = re.search(r'id="tracker">([A-Z0-9-]+)<', html)
    return match.group(1) if match else None
