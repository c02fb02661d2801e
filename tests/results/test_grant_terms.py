"""The written terms of a funded project's restricted grant, kept for the community-benefit record:
staff write them on a page, they are audited, shown in the record and its CSV; bad input and
unfunded projects are refused with a clear message and change nothing."""

import pytest
from sqlalchemy import func, select

from pb.audit.models import AuditEvent
from pb.db import db
from pb.enums import Role
from pb.proposals.models import Project
from pb.results.models import GrantTerms
from tests.conftest import csrf_from, login
from tests.results.test_progress import funded  # noqa: F401  (fixture)

TERMS = {"grantee": "Eastside Food Bank", "restriction": "Only for the van, its driver and fuel, June to May.",
         "persons_served": "300", "objectives": "300 households get a weekly delivery.\nNo week is missed."}


@pytest.fixture
def staff(app, make):
    client = app.test_client()
    login(client, make.user(Role.staff))
    return client


def post(client, project_id, data):
    url = f"/admin/projects/{project_id}/grant"
    return client.post(url, data={**data, "csrf_token": csrf_from(client.get(url).get_data(as_text=True))})


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(GrantTerms))


def test_staff_write_the_terms_and_the_record_shows_them(staff, funded):  # noqa: F811
    cycle, van = funded
    response = post(staff, van.id, TERMS)
    assert response.status_code == 302 and response.location.endswith(f"/community-benefit#grant-{van.id}")
    terms = db.session.get(GrantTerms, van.id)
    assert (terms.grantee, terms.persons_served) == ("Eastside Food Bank", 300)
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert event.action == "grant.terms" and event.data["changed"] == ["grantee", "objectives", "persons_served",
                                                                      "restriction"]
    record = staff.get(f"/admin/cycles/{cycle.slug}/community-benefit").get_data(as_text=True)
    assert "Eastside Food Bank" in record and "Only for the van, its driver and fuel" in record
    assert "300 households get a weekly delivery." in record
    rows = staff.get(f"/admin/cycles/{cycle.slug}/community-benefit.csv").get_data(as_text=True)
    assert "Only for the van, its driver and fuel, June to May." in rows and "Eastside Food Bank" in rows

    again = post(staff, van.id, TERMS)  # nothing changed: said so, nothing audited
    assert again.status_code == 400 and "Nothing was changed" in again.get_data(as_text=True)
    changed = post(staff, van.id, TERMS | {"persons_served": "350"})
    assert changed.status_code == 302
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert event.data["changed"] == ["persons_served"] and stored() == 1


@pytest.mark.parametrize("bad, message", [
    ({"restriction": "Van."}, "between 10 and 4000"),
    ({"restriction": "<script>alert(1)</script> for the van"}, "HTML tags"),
    ({"persons_served": "-5"}, "between 0 and 10000000"),
    ({"persons_served": "lots"}, "Not a valid integer"),
    ({"grantee": "G" * 201}, "200"),
])
def test_bad_terms_are_refused_and_change_nothing(staff, funded, bad, message):  # noqa: F811
    _cycle, van = funded
    response = post(staff, van.id, TERMS | bad)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert stored() == 0


def test_no_terms_for_a_project_that_was_not_funded(staff, funded):  # noqa: F811
    cycle, van = funded
    clinic = db.session.scalars(select(Project).where(Project.cycle_id == cycle.id, Project.id != van.id)).one()
    response = post(staff, clinic.id, TERMS)
    assert response.status_code == 400 and "only for funded projects" in response.get_data(as_text=True)
    assert stored() == 0
