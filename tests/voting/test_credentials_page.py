"""Staff choose anonymous or personal access codes on the credentials page, before voting."""

from pb.db import db
from pb.enums import Phase, Role
from tests.conftest import csrf_from, login


def test_staff_switch_codes_to_personal_before_voting_only(app, client, make):
    """The switch saves before voting opens, and is refused (nothing changed) once it has."""
    cycle = make.cycle(phase=Phase.development)
    login(client, make.user(Role.staff))
    url = f"/admin/cycles/{cycle.slug}/credentials"
    token = csrf_from(client.get(f"/admin/cycles/{cycle.slug}/codes").get_data(as_text=True))
    form = {"csrf_token": token, "access_codes": "y", "registration": "y", "personal_codes": "y"}
    client.post(url, data=form)
    assert db.session.get(type(cycle), cycle.id).personal_access_codes is True
    cycle.phase = Phase.voting  # the lifecycle's rules are not what this test is about
    db.session.commit()
    refused = client.post(url, data=form | {"personal_codes": ""}, follow_redirects=True)
    assert "only before voting opens" in refused.get_data(as_text=True)
    assert db.session.get(type(cycle), cycle.id).personal_access_codes is True
