"""Cycle setup in the browser: create, edit, lock at voting, preview, areas, readiness."""

import pytest
from sqlalchemy import func, select

from pb.audit.models import AuditEvent
from pb.cycles.models import Area, Cycle
from pb.db import db
from pb.enums import Phase, Role
from pb.errors import DomainError
from pb.lifecycle.readiness import readiness
from pb.lifecycle.services import advance
from pb.voting.services import issue_access_codes
from tests.conftest import csrf_from, login, open_voting

GOOD = {"slug": "eastside-2027", "title": "Eastside Health Fund 2027", "description": "Money for health.",
        "locale": "en", "languages": ["en", "es"], "budget": "400,000", "currency": "USD",
        "areas": "North\nSouth", "min_age": "14", "max_ranks": "5", "rule": "greedy", "points": "fixed",
        "completion": "none", "tie_break": "lexicographic", "tie_seed": "", "kiosk_idle_seconds": "120",
        "categories": ["food", "housing"], "date_ideas": "2027-01-10", "date_development": "2027-02-10",
        "date_voting": "2027-03-10", "date_tallying": "2027-04-10", "date_results": "2027-05-10",
        "date_implementation": "2027-06-10"}


@pytest.fixture
def staff_client(app, make):
    client = app.test_client()
    login(client, make.user(Role.staff))
    return client


def post(client, url, data):
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def counts() -> tuple:
    return (db.session.scalar(select(func.count()).select_from(Cycle)),
            db.session.scalar(select(func.count()).select_from(AuditEvent)))


def test_staff_creates_a_cycle_in_the_browser(staff_client):
    """The new-cycle form stores every setting, dates, areas and categories, audited."""
    response = post(staff_client, "/admin/cycles/new", GOOD)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    cycle = db.session.scalars(select(Cycle)).one()
    assert (cycle.budget_cents, cycle.phase, cycle.locales, cycle.categories) == (
        400_000_00, Phase.draft, ["en", "es"], ["food", "housing"])
    assert [a.name for a in cycle.areas] == ["North", "South"]
    assert cycle.starts_at(Phase.tallying).date().isoformat() == "2027-04-10"
    assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.seq.desc())) == "cycle.create"


@pytest.mark.parametrize("overrides, message", [
    ({"date_voting": "2027-01-01"}, "must come after"),
    ({"languages": ["en", "xx"]}, "not a valid choice"),
    ({"rule": "bogus-rule"}, "Not a valid choice"),
    ({"tie_break": "coin-flip"}, "Not a valid choice"),
    ({"budget": "0"}, "more than zero"),
    ({"budget": "-5"}, "more than zero"),
    ({"budget": "1000000000000000"}, "far too large"),
    ({"budget": "lots"}, "as a number"),
    ({"title": "T" * 201}, "200"),
    ({"description": "D" * 5001}, "5000"),
    ({"slug": "Bad Slug!"}, "small letters"),
    ({"tie_break": "seeded-lottery"}, "needs its published seed"),
    ({"tie_seed": "abc"}, "whole number"),
    ({"tie_break": "seeded-lottery", "tie_seed": "²"}, "whole number"),
    ({"areas": "North\nnorth"}, "same name"),
    ({"currency": "XYZ"}, "Unknown currency"),
    ({"currency": "JPY", "budget": "1,000,000"}, "Use a currency with cents"),
    ({"budget": "4,00"}, "as a number"),
    ({"budget": "400.000,00"}, "as a number"),
])
def test_bad_new_cycle_input_is_refused_and_changes_nothing(staff_client, overrides, message):
    """Each bad setting gets a clear message on the form and stores nothing."""
    before = counts()
    response = post(staff_client, "/admin/cycles/new", GOOD | overrides)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert counts() == before


def test_duplicate_slug_is_refused(staff_client, make):
    """A second cycle cannot take an existing web address name."""
    make.cycle(slug="eastside-2027")
    before = counts()
    response = post(staff_client, "/admin/cycles/new", GOOD)
    assert response.status_code == 400 and "already uses" in response.get_data(as_text=True)
    assert counts() == before


def test_service_refuses_what_the_issue_found(make):
    """create_cycle itself refuses reversed dates, language xx, bogus rule and tie-break, 10^15 budget."""
    from datetime import UTC, datetime

    from pb.cycles.services import create_cycle

    base = {"actor": None, "slug": "x", "title": "X", "locale": "en", "budget_cents": 100}
    for bad in ({"languages": ["xx"]}, {"rule": "bogus-rule"}, {"tie_break": "coin-flip"},
                {"budget_cents": 10**15}, {"budget_cents": 0},
                {"schedule": {Phase.ideas: datetime(2031, 1, 1, tzinfo=UTC),
                              Phase.voting: datetime(2020, 1, 1, tzinfo=UTC)}}):
        with pytest.raises(DomainError):
            create_cycle(**(base | bad))
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Cycle)) == 0


def edit_data(cycle, **overrides):
    return GOOD | {"title": cycle.title, "languages": cycle.locales} | overrides


def test_edit_records_the_changed_fields(staff_client, make):
    """An edit saves and audits cycle.update with exactly the fields that changed."""
    cycle = make.cycle(phase=Phase.draft)
    response = post(staff_client, f"/admin/cycles/{cycle.slug}/edit",
                    edit_data(cycle, title="A better title", budget="250000", areas=""))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.session.refresh(cycle)
    assert (cycle.title, cycle.budget_cents) == ("A better title", 250_000_00)
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert event.action == "cycle.update"
    assert {"title", "budget_cents", "categories"} <= set(event.data["changed"])
    assert "min_age" not in event.data["changed"]


def test_bad_edit_changes_nothing(staff_client, make):
    """Reversed dates on the edit form: a clear message and the cycle unchanged."""
    cycle = make.cycle(phase=Phase.draft)
    before = (cycle.title, counts())
    response = post(staff_client, f"/admin/cycles/{cycle.slug}/edit",
                    edit_data(cycle, title="Changed", date_results="2020-01-01"))
    assert response.status_code == 400 and "must come after" in response.get_data(as_text=True)
    db.session.expire_all()
    assert (db.session.get(Cycle, cycle.id).title, counts()) == before


def test_ballot_settings_lock_when_voting_opens(staff_client, make):
    """From voting on the edit page says the ballot settings are locked and the service refuses them."""
    from pb.cycles.services import update_cycle

    cycle = make.cycle(phase=Phase.development)
    make.project(cycle, cost_cents=60_000_00)
    make.project(cycle, cost_cents=60_000_00)
    open_voting(cycle)
    page = staff_client.get(f"/admin/cycles/{cycle.slug}/edit").get_data(as_text=True)
    assert "are locked" in page and 'name="budget"' not in page and 'name="rule"' not in page
    assert 'name="title"' not in page and 'name="description"' not in page
    for change in ({"budget_cents": 1}, {"title": "Renamed during voting"}, {"description": "New rules"}):
        with pytest.raises(DomainError):
            update_cycle(actor=None, cycle=cycle, **change)
        db.session.rollback()
    title = cycle.title
    data = edit_data(cycle, title="Renamed during voting", description="New rules", kiosk_idle_seconds="300")
    assert post(staff_client, f"/admin/cycles/{cycle.slug}/edit", data).status_code == 302
    db.session.refresh(cycle)
    assert (cycle.title, cycle.description, cycle.budget_cents) == (title, "", 100_000_00)
    assert cycle.kiosk_idle_seconds == 300  # what voters do not see may still change


def test_draft_preview_is_staff_only_and_matches_the_public_page(app, staff_client, make):
    """Staff see a draft exactly as the public page renders it; the public sees nothing yet."""
    cycle = make.cycle(phase=Phase.draft, title="Hidden draft")
    assert app.test_client().get(f"/cycles/{cycle.slug}").status_code == 404
    preview = staff_client.get(f"/admin/cycles/{cycle.slug}/preview")
    assert preview.status_code == 200 and "Hidden draft" in preview.get_data(as_text=True)
    liaison = app.test_client()
    login(liaison, make.user(Role.liaison))
    assert liaison.get(f"/admin/cycles/{cycle.slug}/preview").status_code == 403


def test_areas_add_rename_retire_with_case_insensitive_duplicates(staff_client, make):
    """Areas are added, renamed and retired (never deleted); a name differing only in case is refused."""
    cycle = make.cycle(phase=Phase.ideas)
    page = f"/admin/cycles/{cycle.slug}"
    assert post(staff_client, f"/admin/cycles/{cycle.slug}/areas", {"name": "East"}).status_code == 302
    before = db.session.scalar(select(func.count()).select_from(Area))
    post(staff_client, f"/admin/cycles/{cycle.slug}/areas", {"name": "  NORTH "})
    assert db.session.scalar(select(func.count()).select_from(Area)) == before
    assert "already has an area" in staff_client.get(page).get_data(as_text=True)
    north = next(a for a in cycle.all_areas if a.name == "North")
    token = csrf_from(staff_client.get(page).get_data(as_text=True))
    staff_client.post(f"/admin/areas/{north.id}/rename", data={"name": "North Side", "csrf_token": token})
    staff_client.post(f"/admin/areas/{north.id}/retire", data={"retired": "y", "csrf_token": token})
    db.session.expire_all()
    cycle = db.session.get(Cycle, cycle.id)
    assert [a.name for a in cycle.areas] == ["East", "South"]
    assert "North Side" in [a.name for a in cycle.all_areas]


# ---- readiness --------------------------------------------------------------------------

def statuses(cycle) -> dict:
    return {item.key: item.status for item in readiness(cycle)}


def test_readiness_lists_each_problem_and_voting_stays_closed(make):
    """One project, no dates, kiosks without sites, no codes: each is a problem and advance refuses."""
    cycle = make.cycle(phase=Phase.development, schedule={}, use_kiosks=True)
    make.project(cycle)
    found = statuses(cycle)
    assert {k for k, v in found.items() if v == "problem"} == {"projects", "dates", "sites", "codes"}
    with pytest.raises(DomainError):
        advance(actor=None, cycle=cycle, current=Phase.development, acknowledge_full_funding=True)
    db.session.rollback()
    assert db.session.get(Cycle, cycle.id).phase == Phase.development


def test_full_funding_needs_an_acknowledgement(make):
    """When every ready project fits in the budget, voting opens only once staff acknowledge it."""
    cycle = make.cycle(phase=Phase.development, budget_cents=100_000_00)
    make.project(cycle, cost_cents=10_000_00)
    make.project(cycle, cost_cents=20_000_00)
    issue_access_codes(actor=None, cycle=cycle, count=1, batch="b")
    db.session.commit()
    assert statuses(cycle)["full_funding"] == "warning"
    with pytest.raises(DomainError, match="cannot change the outcome"):
        advance(actor=None, cycle=cycle, current=Phase.development)
    db.session.rollback()
    advance(actor=None, cycle=cycle, current=Phase.development, acknowledge_full_funding=True)
    assert cycle.phase == Phase.voting


def test_over_budget_ballot_opens_without_acknowledgement_from_the_page(staff_client, make):
    """The checklist shows every item done, and the Open voting button opens voting."""
    cycle = make.cycle(phase=Phase.development, budget_cents=50_000_00)
    make.project(cycle, cost_cents=30_000_00)
    make.project(cycle, cost_cents=40_000_00)
    issue_access_codes(actor=None, cycle=cycle, count=1, batch="b")
    db.session.commit()
    page = staff_client.get(f"/admin/cycles/{cycle.slug}").get_data(as_text=True)
    assert page.count("check-ok") == 7
    response = post(staff_client, f"/admin/cycles/{cycle.slug}", {"current": "development"})
    assert response.status_code == 405  # the form posts to the advance route
    token = csrf_from(page)
    staff_client.post(f"/admin/cycles/{cycle.slug}/advance", data={"current": "development", "csrf_token": token})
    db.session.refresh(cycle)
    assert cycle.phase == Phase.voting


def test_page_refuses_full_funding_without_the_box_ticked(staff_client, make):
    """Without the acknowledgement box the page's advance changes nothing and says why."""
    cycle = make.cycle(phase=Phase.development)
    make.project(cycle)
    make.project(cycle)
    issue_access_codes(actor=None, cycle=cycle, count=1, batch="b")
    db.session.commit()
    page = staff_client.get(f"/admin/cycles/{cycle.slug}").get_data(as_text=True)
    assert "vote cannot change the outcome" in page and 'name="acknowledge_full_funding"' in page
    response = staff_client.post(f"/admin/cycles/{cycle.slug}/advance",
                                 data={"current": "development", "csrf_token": csrf_from(page)},
                                 follow_redirects=True)
    assert "cannot change the outcome" in response.get_data(as_text=True)
    db.session.refresh(cycle)
    assert cycle.phase == Phase.development


def test_demo_vote_matters(runner):
    """The demo's ballot costs well over its budget, so the vote decides what is funded."""
    from pb.proposals.queries import ballot_projects

    assert runner.invoke(args=["pb", "demo"]).exit_code == 0
    cycle = db.session.scalars(select(Cycle).filter_by(slug="eastside-2027")).one()
    assert sum(p.cost_cents for p in ballot_projects(cycle)) >= 1.5 * cycle.budget_cents


def test_staff_allow_ideas_without_an_account(app, staff_client, make):
    """The staff form turns anonymous ideas on (audited); a visitor then shares one and is told
    what they give up; turned off again, the next visitor is asked to sign in."""
    cycle = make.cycle(phase=Phase.ideas)
    url = f"/admin/cycles/{cycle.slug}/edit"
    assert post(staff_client, url, edit_data(cycle, areas="", allow_anonymous_ideas="y")).status_code == 302
    db.session.refresh(cycle)
    assert cycle.allow_anonymous_ideas is True
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert event.action == "cycle.update" and "allow_anonymous_ideas" in event.data["changed"]
    visitor = app.test_client()
    page = visitor.get(f"/cycles/{cycle.slug}/ideas/new").get_data(as_text=True)
    assert "You are sharing without an account" in page and 'name="title"' in page
    idea = {"title": "Evening rides to the clinic", "body": "A van that takes people to the clinic after six.",
            "category": cycle.categories[0], "locale": "en", "area": cycle.areas[0].slug, "contact": ""}
    assert post(visitor, f"/cycles/{cycle.slug}/ideas/new", idea).status_code == 302
    assert post(staff_client, url, edit_data(cycle, areas="")).status_code == 302  # box unticked
    db.session.refresh(cycle)
    assert cycle.allow_anonymous_ideas is False
    page = app.test_client().get(f"/cycles/{cycle.slug}/ideas/new").get_data(as_text=True)
    assert "Sign in to share an idea in this cycle" in page and 'name="title"' not in page
