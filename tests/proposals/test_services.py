"""The rules of ideas and projects, enforced by the services whoever calls them."""

import pytest
from sqlalchemy import select

from pb.audit.models import AuditEvent
from pb.audit.services import verify_database
from pb.db import db
from pb.enums import Channel, IdeaStatus, Phase, ProjectStatus, Role
from pb.errors import DomainError, NotAllowed, WrongPhase
from pb.i18n.models import ContentTranslation
from pb.proposals import services
from pb.proposals.models import Idea, Project
from tests.conftest import open_voting
from tests.proposals.conftest import count, form, idea


def last_event() -> AuditEvent:
    return db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()


def submit(cycle, actor, **overrides):
    data = form(**overrides)
    slug = data.pop("area")
    area = next((a for a in cycle.areas if a.slug == slug), None)
    return services.submit_idea(actor=actor, author=actor, cycle=cycle, area=area, **data)


def test_resident_idea_is_stored_and_audited_without_naming_them(make, cycle):
    """A resident's idea keeps its language and area; the audit event says 'resident', no id."""
    resident = make.user(Role.resident)
    created = submit(cycle, resident, locale="es", title="Frutas para la escuela")
    assert (created.locale, created.area.slug, created.author_id) == ("es", "north", resident.id)
    event = last_event()
    assert (event.action, event.actor_role, event.actor_id, event.object_id) == \
        ("idea.submit", "resident", None, str(created.id))


def test_no_submissions_outside_idea_collection(make):
    """Ideas are refused in every phase but idea collection."""
    resident = make.user(Role.resident)
    for phase in (Phase.draft, Phase.development):
        with pytest.raises(WrongPhase):
            submit(make.cycle(phase=phase), resident)
    assert count(Idea) == 0


@pytest.mark.parametrize("overrides, message", [
    ({"title": ""}, "Title is required"),
    ({"title": "   "}, "Title is required"),
    ({"body": "x" * 4001}, "Description needs between 20 and 4000"),
    ({"title": "y" * 151}, "Title needs between 5 and 150"),
    ({"body": "<script>alert(1)</script> and more words here"}, "cannot contain HTML tags"),
    ({"title": "Nice <img src=x onerror=alert(1)>"}, "cannot contain HTML tags"),
    ({"category": "weapons"}, "category from the list"),
    ({"locale": "xx"}, "language from the list"),
    ({"location_text": "z" * 201}, "Location needs between 0 and 200"),
])
def test_bad_idea_text_is_refused(make, cycle, overrides, message):
    """Empty, oversized, markup and unknown choices are refused with a clear message."""
    with pytest.raises(DomainError, match=message):
        submit(cycle, make.user(Role.resident), **overrides)
    db.session.rollback()
    assert count(Idea) == 0


def test_plain_text_with_angle_brackets_and_control_characters(make, cycle):
    """'a < b' is allowed; invisible control characters (a NUL would break PostgreSQL) are removed."""
    created = submit(cycle, make.user(Role.resident), body="Rent < income for\x00 many of us, sadly.")
    assert created.body == "Rent < income for many of us, sadly."


def test_same_idea_twice_from_one_author_is_refused(make, cycle):
    """Title and description repeated by the same author in the same cycle is a duplicate."""
    resident = make.user(Role.resident)
    submit(cycle, resident)
    with pytest.raises(DomainError, match="already been submitted"):
        submit(cycle, resident, title="EVENING RIDES TO DIALYSIS")
    submit(cycle, make.user(Role.resident))  # another resident may share the same idea
    assert count(Idea) == 2


def test_hourly_limit_counts_ideas_in_the_database(make, cycle):
    """After `hourly_limit` ideas in the last hour, the same author is refused."""
    resident = make.user(Role.resident)
    for n in range(2):
        services.submit_idea(actor=resident, author=resident, cycle=cycle, hourly_limit=2,
                             **form(title=f"Idea number {n}", area=None) | {"area": None})
    with pytest.raises(services.RateLimited):
        services.submit_idea(actor=resident, author=resident, cycle=cycle, hourly_limit=2,
                             **form(title="Idea number 3") | {"area": None})


def test_anonymous_ideas_only_where_the_cycle_allows_them(make):
    """Without an account an idea is refused unless the cycle allows anonymous ideas; one browser
    session cannot send the same idea twice."""
    closed, open_ = make.cycle(), make.cycle(allow_anonymous_ideas=True)
    with pytest.raises(NotAllowed):
        services.submit_idea(actor=None, cycle=closed, submitter_key="k1", **form() | {"area": None})
    created = services.submit_idea(actor=None, cycle=open_, submitter_key="k1",
                                   **form(contact="555-0100") | {"area": None})
    assert (created.author_id, created.contact, created.submitter_key) == (None, "555-0100", "k1")
    assert last_event().actor_role == "resident"
    with pytest.raises(DomainError, match="already been submitted"):
        services.submit_idea(actor=None, cycle=open_, submitter_key="k1", **form() | {"area": None})


def test_liaison_enters_paper_idea_tagged_with_channel_and_liaison(make, cycle):
    """A paper idea records the channel and the liaison who typed it, not a resident author."""
    liaison = make.user(Role.liaison)
    created = services.submit_idea(actor=liaison, cycle=cycle, channel=Channel.paper,
                                   **form() | {"area": None})
    assert (created.channel, created.entered_by_id, created.author_id) == (Channel.paper, liaison.id, None)
    assert (last_event().actor_role, last_event().actor_id) == ("liaison", liaison.id)


@pytest.mark.parametrize("role", [Role.resident, Role.observer])
def test_only_liaisons_and_staff_enter_ideas_for_others(make, cycle, role):
    """Residents and observers cannot tag an idea as a paper or kiosk entry."""
    with pytest.raises(NotAllowed):
        services.submit_idea(actor=make.user(role), cycle=cycle, channel=Channel.kiosk, **form() | {"area": None})


@pytest.mark.parametrize("status", [IdeaStatus.merged, IdeaStatus.not_eligible, IdeaStatus.not_feasible])
def test_closing_an_idea_needs_a_public_reason(make, cycle, staff, status):
    """Merged, not eligible and not feasible all owe the public a reason."""
    item = idea(cycle, make.user(Role.resident))
    with pytest.raises(DomainError, match="reason"):
        services.review_idea(actor=staff, idea=item, status=status, reason="  ")
    db.session.rollback()
    assert db.session.get(Idea, item.id).status == IdeaStatus.submitted


def test_status_change_is_audited_with_reason(make, cycle, staff):
    """Each review writes an audit event with the old and new status and the reason; the chain holds."""
    item = idea(cycle, make.user(Role.resident))
    services.review_idea(actor=staff, idea=item, status=IdeaStatus.under_review)
    services.review_idea(actor=staff, idea=item, status=IdeaStatus.not_feasible, reason="The city does this.")
    db.session.commit()
    assert (last_event().action, last_event().actor_id, last_event().data) == (
        "idea.review", staff.id,
        {"from": "under_review", "status": "not_feasible", "reason": "The city does this.", "merged_into": None})
    assert verify_database()[1] is None


def test_merge_keeps_links_both_ways(make, cycle, staff):
    """A merged idea points at its target, the target lists it, and re-opening clears the link."""
    resident = make.user(Role.resident)
    first, second = idea(cycle, resident), idea(cycle, resident, title="Rides to the clinic at night")
    services.review_idea(actor=staff, idea=second, status=IdeaStatus.merged, merged_into=first, reason="Same need.")
    db.session.commit()
    assert second.merged_into is first and first.merged == [second]
    with pytest.raises(DomainError, match="itself merged"):
        services.review_idea(actor=staff, idea=first, status=IdeaStatus.merged, merged_into=second, reason="x")
    with pytest.raises(DomainError, match="another idea"):
        services.review_idea(actor=staff, idea=first, status=IdeaStatus.merged, merged_into=first, reason="x")
    services.review_idea(actor=staff, idea=second, status=IdeaStatus.under_review)
    assert second.merged_into is None and first.merged == []


def test_merge_target_must_be_in_the_same_cycle(make, cycle, staff):
    """An idea cannot be merged into another cycle's idea."""
    resident = make.user(Role.resident)
    other = idea(make.cycle(), resident)
    with pytest.raises(DomainError, match="this cycle"):
        services.review_idea(actor=staff, idea=idea(cycle, resident), status=IdeaStatus.merged,
                             merged_into=other, reason="Same.")


def test_project_from_advanced_ideas_links_back_and_shows_on_their_timeline(make, cycle, staff):
    """Creating a project links each idea to it and records that on each idea's timeline."""
    resident = make.user(Role.resident)
    a = idea(cycle, resident, status=IdeaStatus.advanced, reviewer=staff)
    b = idea(cycle, resident, title="Night bus to the clinic", status=IdeaStatus.advanced, reviewer=staff)
    project = services.create_project(
        actor=staff, cycle=cycle, ideas=[a, b], title="Clinic rides", summary="Rides to the clinic for everyone.",
        locale="en", cost_cents=60_000_00, category="transport", area=cycle.areas[0],
        cost_breakdown=[{"item": "Van", "cents": 40_000_00}, {"item": "Driver", "cents": 20_000_00}])
    db.session.commit()
    assert project.ideas == [a, b] and a.project is project
    assert [e.action for e in db.session.scalars(select(AuditEvent).filter_by(object_type="Idea",
                                                                              object_id=str(a.id)))] == \
        ["idea.submit", "idea.review", "idea.project"]
    with pytest.raises(DomainError, match="cannot change"):
        services.review_idea(actor=staff, idea=a, status=IdeaStatus.not_feasible, reason="Changed our mind.")


@pytest.mark.parametrize("change, message", [
    ({"cost_cents": 0}, "more than zero"),
    ({"cost_cents": 100_000_01}, "whole budget"),
    ({"cost_breakdown": [{"item": "Van", "cents": 1_00}]}, "adds up to \\$1.00, but the cost is \\$500.00"),
    ({"title": "<b>Bold</b> project"}, "HTML tags"),
    ({"category": "nope"}, "category from the list"),
    ({"summary": ""}, "Summary is required"),
])
def test_bad_project_input_is_refused(make, cycle, staff, change, message):
    """Zero or over-budget costs, breakdowns that do not add up, markup and unknown categories."""
    item = idea(cycle, make.user(Role.resident), status=IdeaStatus.advanced, reviewer=staff)
    fields = {"title": "Clinic rides", "summary": "Rides to the clinic for everyone.", "locale": "en",
              "cost_cents": 500_00, "category": "transport"} | change
    with pytest.raises(DomainError, match=message):
        services.create_project(actor=staff, cycle=cycle, ideas=[item], **fields)
    db.session.rollback()
    assert count(Project) == 0 and db.session.get(Idea, item.id).project_id is None


def test_only_advanced_ideas_become_projects(make, cycle, staff):
    """A submitted idea, or one already in a project, cannot feed a new project."""
    item = idea(cycle, make.user(Role.resident))
    with pytest.raises(DomainError, match="Only advanced ideas"):
        services.create_project(actor=staff, cycle=cycle, ideas=[item], title="Clinic rides", locale="en",
                                summary="Rides to the clinic for everyone.", cost_cents=100, category="food")


def test_per_language_title_and_summary(make, cycle, staff):
    """Staff add the project's Spanish title and summary; other languages are refused."""
    project = make.project(cycle, ready=False, actor=staff)
    services.translate_project(actor=staff, project=project, locale="es", title="Viajes a la clínica",
                               summary="Viajes a la clínica para todos.")
    db.session.commit()
    rows = {(r.field, r.text) for r in db.session.scalars(select(ContentTranslation))}
    assert rows == {("title", "Viajes a la clínica"), ("summary", "Viajes a la clínica para todos.")}
    with pytest.raises(DomainError, match="other languages"):
        services.translate_project(actor=staff, project=project, locale="ko", title="Title ok",
                                   summary="Summary long enough here.")


def test_ballot_projects_freeze_when_voting_opens(make, staff):
    """Once voting opens no project can be created, edited, translated, or put on or off the ballot."""
    cycle = make.cycle(phase=Phase.development, languages=["es"])
    project = make.project(cycle, actor=staff)
    make.project(cycle, actor=staff)  # the ballot needs two projects
    open_voting(cycle, actor=staff)
    db.session.commit()
    for attempt in (
        lambda: services.update_project(actor=staff, project=project, title="New title", cost_cents=5,
                                        summary="A brand new summary text.", category="food"),
        lambda: services.translate_project(actor=staff, project=project, locale="es", title="Título",
                                           summary="Un resumen bastante largo."),
        lambda: services.mark_draft(actor=staff, project=project),
        lambda: services.create_project(actor=staff, cycle=cycle, title="Another one", locale="en",
                                        summary="Another useful project.", cost_cents=100, category="food"),
    ):
        with pytest.raises(WrongPhase):
            attempt()
        db.session.rollback()
    assert db.session.get(Project, project.id).status == ProjectStatus.ready
    assert count(Project) == 2  # the two ready projects, nothing added


def test_update_records_what_changed(make, cycle, staff):
    """An edit is audited with the names of the changed fields; an edit that changes nothing is refused."""
    project = make.project(cycle, ready=False, actor=staff, title="Clinic rides")
    fields = {"title": "Clinic rides", "summary": "A useful project.", "cost_cents": 20_000_00, "category": "food"}
    services.update_project(actor=staff, project=project, **fields)
    assert last_event().data == {"changed": ["cost_cents"], "cost_cents": 20_000_00}
    with pytest.raises(DomainError, match="Nothing changed"):
        services.update_project(actor=staff, project=project, **fields)
