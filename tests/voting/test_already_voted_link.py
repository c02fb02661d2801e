"""A verification link opened by someone whose roll entry has already voted says so at once."""

from datetime import date

from pb.db import db
from pb.enums import Channel
from pb.voting.services import cast_ballot, register_online
from tests.voting.conftest import open_voting_link

TODAY = date(2027, 3, 1)


def registered(cycle):
    entry, token = register_online(cycle=cycle, name="Amina Yusuf", birth_date=date(1990, 5, 1),
                                   area=cycle.areas[0], email="amina@example.org", today=TODAY)
    db.session.commit()
    return entry, f"/cycles/{cycle.slug}/vote/verify/{token}"


def test_link_after_voting_says_already_voted_not_a_fresh_ballot(client, voting_cycle):
    """Registered online, voted at a kiosk, then opened the emailed link: told at once, no ballot."""
    cycle, ids = voting_cycle
    entry, link = registered(cycle)
    cast_ballot(cycle=cycle, credential=f"roll:{entry.id}", ranking=[ids[0]], channel=Channel.kiosk, locale="en")
    db.session.commit()
    response = client.get(link)
    assert response.status_code == 409 and "You have already voted" in response.get_data(as_text=True)
    ballot = client.get(f"/cycles/{cycle.slug}/ballot")  # no voting session was started
    assert ballot.status_code == 302 and ballot.location.endswith("/vote")


def test_link_before_voting_still_opens_the_ballot(client, voting_cycle):
    """The same link for someone who has not voted opens the ballot, as before."""
    cycle, _ = voting_cycle
    _, link = registered(cycle)
    response = open_voting_link(client, link)
    assert response.status_code == 302 and response.location.endswith("/ballot")
