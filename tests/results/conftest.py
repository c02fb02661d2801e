import pytest

from pb.db import db
from pb.enums import Channel, Role
from pb.voting.services import cast_ballot
from tests.conftest import csrf_from, login
from tests.voting.conftest import voting_cycle  # noqa: F401  (fixture)

# Rankings by project index; 23 ballots, an odd number that appears nowhere else on the pages.
RANKINGS = [(3, 0)] * 9 + [(1, 2)] * 7 + [(2,)] * 4 + [(0, 1, 2)] * 3


@pytest.fixture
def cast_cycle(voting_cycle, make):  # noqa: F811
    """The voting cycle with 23 ballots cast through the voting service."""
    cycle, ids = voting_cycle
    for order in RANKINGS:
        voter = make.voter(cycle)
        cast_ballot(cycle=cycle, credential=f"roll:{voter.id}", ranking=[ids[i] for i in order],
                    channel=Channel.online, locale="en")
    db.session.commit()
    return cycle, ids


def staff_client(app, make):
    client = app.test_client()
    login(client, make.user(Role.staff))
    return client, csrf_from(client.get("/admin/").get_data(as_text=True))


@pytest.fixture
def published(app, cast_cycle, make):
    """Voting closed, counted by one staff member, published by another."""
    cycle, ids = cast_cycle
    first, token = staff_client(app, make)
    first.post(f"/admin/cycles/{cycle.slug}/advance", data={"csrf_token": token, "current": "voting"})
    first.post(f"/admin/cycles/{cycle.slug}/count", data={"csrf_token": token})
    from pb.results.models import TallySnapshot

    snapshot = db.session.query(TallySnapshot).one()
    second, token2 = staff_client(app, make)
    response = second.post(f"/admin/count/{snapshot.id}/publish", data={"csrf_token": token2})
    assert response.status_code == 302
    return cycle, ids
