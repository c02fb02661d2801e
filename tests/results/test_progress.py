"""Progress reports on funded projects: corrections with a public history, spending above the
funded amount, plain text, one report shown in the reader's language, and milestones."""

import re

import pytest
from sqlalchemy import func, select

from pb.audit.models import AuditEvent
from pb.db import db
from pb.enums import Channel, IdeaStatus, Phase, Role
from pb.lifecycle.services import advance, count_votes, publish_result
from pb.proposals.services import review_idea, submit_idea
from pb.results.models import ProgressRevision, ProgressUpdate
from pb.voting.services import cast_ballot
from tests.conftest import csrf_from, login, open_voting


@pytest.fixture
def funded(app, make):
    """A published English-and-Spanish cycle whose $30,000 "Food van" project, grown from a
    resident's idea, is funded."""
    staff = make.user(Role.staff)
    cycle = make.cycle(phase=Phase.ideas, languages=["es"], actor=staff)
    resident = make.user(Role.resident)
    idea = submit_idea(actor=resident, author=resident, cycle=cycle, title="A food van", body="Fresh food nearby, every week, for families.",
                       category="food", locale="en", area=cycle.areas[0])
    review_idea(actor=staff, idea=idea, status=IdeaStatus.advanced, reason="")
    advance(actor=staff, cycle=cycle, current=Phase.ideas)
    van = make.project(cycle, cost_cents=30_000_00, title="Food van", ideas=[idea])
    other = make.project(cycle, cost_cents=90_000_00, title="Clinic")
    open_voting(cycle, actor=staff)
    for _ in range(3):
        cast_ballot(cycle=cycle, credential=f"roll:{make.voter(cycle).id}", ranking=[van.id, other.id],
                    channel=Channel.online, locale="en")
    advance(actor=staff, cycle=cycle, current=Phase.voting)
    snapshot = count_votes(actor=staff, cycle=cycle)
    publish_result(actor=make.user(Role.staff), snapshot=snapshot)
    db.session.commit()
    assert str(van.id) in snapshot.result["winners"]
    return cycle, van


def staff_client(app, make):
    client = app.test_client()
    login(client, make.user(Role.staff))
    return client


def post(client, url, **fields):
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **fields})


def report(**overrides):
    return {"status": "in_progress", "percent": "40", "spent": "12,500.00", "body": "Van leased."} | overrides


def test_a_correction_keeps_the_earlier_version_in_public(app, make, funded, client):
    """Correcting a report changes it, says "corrected on" and keeps the earlier text visible."""
    _, van = funded
    staff = staff_client(app, make)
    assert post(staff, f"/projects/{van.id}/progress", **report()).status_code == 302
    update = db.session.scalars(select(ProgressUpdate)).one()
    response = post(staff, f"/progress/{update.id}/correct",
                    **report(spent="2,500.00", body="Van leased for a year.", note="Wrong amount typed"))
    assert response.status_code == 302
    page = client.get(f"/projects/{van.id}").get_data(as_text=True)
    assert "Corrected on" in page and "Wrong amount typed" in page
    assert "$2,500.00 spent" in page and "Van leased for a year." in page
    assert "<del>" in page and "$12,500.00 spent" in page and "Van leased.</p>" in page  # the earlier one
    old = db.session.scalars(select(ProgressRevision)).one()
    assert (old.spent_cents, old.body, old.correction_note) == (12_500_00, "Van leased.", "Wrong amount typed")
    events = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("progress.%"))
                                .order_by(AuditEvent.seq)).all()
    assert events == ["progress.post", "progress.correct"]


def test_bad_corrections_change_nothing(app, make, funded):
    """A correction without a note, with nothing changed, or with bad numbers is refused with a
    message, and the report, its history and the audit log stay as they were."""
    _, van = funded
    staff = staff_client(app, make)
    post(staff, f"/projects/{van.id}/progress", **report())
    update = db.session.scalars(select(ProgressUpdate)).one()
    url = f"/progress/{update.id}/correct"
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    cases = [
        (report(body="Changed."), "What did you correct"),  # the form's own label: field required
        (report(note="Typo"), "Nothing was changed"),
        (report(percent="140", note="Typo fixed"), "between 0 and 100"),
        (report(spent="twelve", note="Typo fixed"), "Enter an amount like 12,500.00"),
        (report(status="finished", note="Typo fixed"), "Not a valid choice"),
        (report(body="x" * 4001, note="Typo fixed"), "4000"),
        (report(note="ab"), "between 3 and 300"),
    ]
    for fields, message in cases:
        response = post(staff, url, **fields)
        assert response.status_code == 400, fields
        assert message in response.get_data(as_text=True), (fields, message)
    db.session.expire_all()
    assert (update.spent_cents, update.body, update.edited_at) == (12_500_00, "Van leased.", None)
    assert db.session.scalar(select(func.count()).select_from(ProgressRevision)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_spending_above_the_funded_amount_needs_a_public_reason(app, make, funded, client):
    """$300,000 spent on a $30,000 project is refused with a warning until a reason is given;
    the reason is then shown next to the amount."""
    _, van = funded
    staff = staff_client(app, make)
    url = f"/projects/{van.id}/progress"
    refused = post(staff, url, **report(spent="300,000.00"))
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert 'id="over-budget-warning"' in page and "$30,000.00" in page
    assert db.session.scalar(select(func.count()).select_from(ProgressUpdate)) == 0
    too_short = post(staff, url, **report(spent="300,000.00", over_budget_reason="more"))
    assert too_short.status_code == 400
    ok = post(staff, url, **report(spent="31,000.00", over_budget_reason="Fuel prices rose; the city paid the rest."))
    assert ok.status_code == 302
    shown = client.get(f"/projects/{van.id}").get_data(as_text=True)
    assert "Fuel prices rose; the city paid the rest." in shown and "more than the funded $30,000.00" in shown
    assert db.session.scalars(select(ProgressUpdate.over_budget_reason)).one().startswith("Fuel prices")


def test_report_text_is_plain_and_paragraphs_are_safe(app, make, funded, client):
    """Markup in a report is shown as typed, never run; blank lines make paragraphs."""
    _, van = funded
    staff = staff_client(app, make)
    body = "<script>alert(1)</script> <b>bold</b>\r\n\r\nSecond part\nnext line"
    assert post(staff, f"/projects/{van.id}/progress", **report(body=body)).status_code == 302
    page = client.get(f"/projects/{van.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt;</p>" in page
    assert re.search(r'<p lang="en" dir="auto">Second part<br>next line</p>', page)


def test_one_report_shown_in_the_readers_language(app, make, funded):
    """A report written in English shows to Spanish readers as English marked "translation
    pending" until a reviewed Spanish translation exists; a correction makes it pending again."""
    cycle, van = funded
    staff = staff_client(app, make)
    post(staff, f"/projects/{van.id}/progress", **report(body="Van leased."))
    update = db.session.scalars(select(ProgressUpdate)).one()
    reader = app.test_client()
    reader.get("/language/es")
    page = reader.get(f"/projects/{van.id}").get_data(as_text=True)
    assert 'class="prose pending"' in page and "Van leased." in page

    queue = staff.get(f"/cycles/{cycle.slug}/translations?lang=es").get_data(as_text=True)
    edit_url = f"/translations/ProgressUpdate/{update.id}/body/es"
    assert edit_url in queue  # the report is in the existing translation queue
    translator = app.test_client()
    login(translator, make.user(Role.liaison))
    assert post(translator, edit_url, text="Furgoneta alquilada.").status_code == 302
    token = csrf_from(staff.get(edit_url).get_data(as_text=True))
    assert staff.post(edit_url + "/review", data={"csrf_token": token}).status_code == 302
    page = reader.get(f"/projects/{van.id}").get_data(as_text=True)
    assert "Furgoneta alquilada." in page and "Van leased." not in page
    assert page.count('class="progress-list"') == 1 and page.count('id="progress-') == 1
    idea_page = reader.get(f"/ideas/{van.ideas[0].id}").get_data(as_text=True)  # the idea follows its project
    assert "Furgoneta alquilada." in idea_page and "Van leased." not in idea_page

    post(staff, f"/progress/{update.id}/correct", **report(body="Van leased for a year.", note="More detail"))
    page = reader.get(f"/projects/{van.id}").get_data(as_text=True)
    assert "Van leased for a year." in page and 'class="prose pending"' in page


def test_milestones_timeline_marks_the_current_stage(app, make, funded, client):
    """The project page shows planning → in progress → done with the date each was reached."""
    _, van = funded
    staff = staff_client(app, make)
    post(staff, f"/projects/{van.id}/progress", **report(status="planning", percent="0", spent="0"))
    post(staff, f"/projects/{van.id}/progress", **report(status="in_progress"))
    page = client.get(f"/projects/{van.id}").get_data(as_text=True)
    timeline = page[page.index('class="timeline milestones"'):page.index("</ol>", page.index("milestones"))]
    assert timeline.index("Planning") < timeline.index("In progress") < timeline.index("Done")
    assert re.search(r'aria-current="step">\s*In progress', timeline)
    assert timeline.count("<time") == 2 and "not yet" in timeline
