"""Moderation from the admin navigation: each reported comment in context, dismiss reports
(kept, marked dismissed), hide and show again with a public reason; all audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pb.audit.models import AuditEvent
from pb.db import db
from pb.deliberation import services
from pb.deliberation.models import Comment, CommentReport
from pb.enums import Phase, Role
from pb.lifecycle.services import advance
from pb.proposals.services import submit_idea
from pb.transaction import transaction
from tests.conftest import csrf_from, login
from tests.security.conftest import stored_digest


@pytest.fixture
def reported(make):
    """A comment on a project reported twice (with and without a reason), one on an idea."""
    cycle = make.cycle(phase=Phase.ideas)
    idea = submit_idea(actor=make.user(Role.resident), cycle=cycle, title="Bus shelter",
                       body="A shelter near the clinic.", category="transport", locale="en")
    advance(actor=make.user(Role.staff), cycle=cycle, current=Phase.ideas)
    project = make.project(cycle, title="Clinic van")
    with transaction():
        rude = services.post_comment(actor=make.user(Role.resident), target=project, body="You are all idiots",
                                     locale="en")
        fine = services.post_comment(actor=make.user(Role.resident), target=idea, body="مرحبا، فكرة جيدة",
                                     locale="ar")
        services.report_comment(actor=make.user(Role.resident), comment=rude, reason="Insults people")
        services.report_comment(actor=make.user(Role.resident), comment=rude)
        services.report_comment(actor=make.user(Role.resident), comment=fine, reason="Not English")
    return cycle, project, idea, rude, fine


def moderator(app, make, role=Role.liaison):
    client = app.test_client()
    login(client, make.user(role))
    return client


def last_event() -> AuditEvent:
    return db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).first()


def test_dashboard_links_liaisons_and_staff_to_moderation(app, make, reported):
    """Moderation is one click from the dashboard for liaisons and staff."""
    cycle = reported[0]
    for role in (Role.liaison, Role.staff):
        page = moderator(app, make, role).get("/admin/").get_data(as_text=True)
        assert f'href="/cycles/{cycle.slug}/moderation"' in page, role


def test_each_report_is_shown_with_its_comment_in_context(app, make, reported):
    """The page shows the comment, a link to its project or idea, the open report count, the
    reasons and the dates, with the comment's text direction left to the browser."""
    cycle, project, idea, rude, fine = reported
    page = moderator(app, make).get(f"/cycles/{cycle.slug}/moderation").get_data(as_text=True)
    assert f'href="/projects/{project.id}#comment-{rude.id}"' in page and "Clinic van" in page
    assert f'href="/ideas/{idea.id}#comment-{fine.id}"' in page and "Bus shelter" in page
    assert "2 open reports" in page and "1 open report" in page
    assert "Insults people" in page and "no reason given" in page and "Not English" in page
    assert '<blockquote lang="ar" dir="auto">مرحبا، فكرة جيدة</blockquote>' in page
    assert page.index(f"moderate-{rude.id}") < page.index(f"moderate-{fine.id}")  # most reported first


def test_dismissing_keeps_the_reports_marked_and_is_audited(app, make, reported):
    """Dismissed reports stay in the table, marked with who and when; the comment stays up and
    leaves the list; the event says how many."""
    cycle, _project, _idea, rude, _fine = reported
    client = moderator(app, make)
    url = f"/cycles/{cycle.slug}/moderation"
    response = client.post(f"/comments/{rude.id}/dismiss", data={"back": "moderation",
                                                                 "csrf_token": csrf_from(client.get(url).get_data(as_text=True))})
    assert response.status_code == 302 and response.location.endswith(url)
    rows = db.session.scalars(select(CommentReport).filter_by(comment_id=rude.id)).all()
    assert len(rows) == 2 and all(r.dismissed_at is not None and r.dismissed_by_id for r in rows)
    assert not db.session.get(Comment, rude.id).is_hidden
    assert f"moderate-{rude.id}" not in client.get(url).get_data(as_text=True)
    event = last_event()
    assert (event.action, event.object_id, event.data) == ("comment.dismiss_reports", str(rude.id), {"reports": 2})
    before = stored_digest()  # nothing left to dismiss: refused, nothing written
    client.post(f"/comments/{rude.id}/dismiss", data={"csrf_token": csrf_from(client.get(url).get_data(as_text=True))})
    assert stored_digest() == before


def test_hide_and_unhide_with_a_public_reason(app, make, reported):
    """A moderator hides a comment and shows it again; each reason is public and audited; the
    public page follows; a missing reason changes nothing."""
    cycle, project, _idea, rude, _fine = reported
    client = moderator(app, make, Role.staff)
    url = f"/cycles/{cycle.slug}/moderation"
    token = csrf_from(client.get(url).get_data(as_text=True))
    client.post(f"/comments/{rude.id}/hide", data={"reason": "Insults", "back": "moderation", "csrf_token": token})
    public = app.test_client().get(f"/projects/{project.id}").get_data(as_text=True)
    assert "You are all idiots" not in public and "Insults" in public
    page = client.get(url).get_data(as_text=True)
    assert f"hidden-{rude.id}" in page and f"moderate-{rude.id}" not in page

    before = stored_digest()
    refused = client.post(f"/comments/{rude.id}/unhide", data={"reason": " ", "csrf_token": token})
    assert refused.status_code == 302 and stored_digest() == before
    client.post(f"/comments/{rude.id}/unhide", data={"reason": "Context was a quote", "csrf_token": token})
    assert "You are all idiots" in app.test_client().get(f"/projects/{project.id}").get_data(as_text=True)
    event = last_event()
    assert (event.action, event.data) == ("comment.unhide", {"reason": "Context was a quote"})
    assert "Comment shown again" in app.test_client().get("/audit/").get_data(as_text=True)


def test_residents_and_observers_cannot_moderate(app, make, reported):
    """Dismissing and showing again are for liaisons and staff only."""
    rude = reported[3]
    with transaction():
        services.hide_comment(actor=make.user(Role.staff), comment=rude, reason="Rude")
    clients = [moderator(app, make, role) for role in (Role.resident, Role.observer)]
    tokens = [csrf_from(c.get("/login", follow_redirects=True).get_data(as_text=True)) for c in clients]
    before = stored_digest()
    for client, token in zip(clients, tokens, strict=True):
        for action, data in (("dismiss", {}), ("unhide", {"reason": "Fine"})):
            assert client.post(f"/comments/{rude.id}/{action}", data=data | {"csrf_token": token}).status_code == 403
    assert stored_digest() == before


def test_report_reason_is_kept(app, make, reported):
    """A resident may say what is wrong; the moderator sees it."""
    cycle, project, _idea, _rude, _fine = reported
    with transaction():
        other = services.post_comment(actor=make.user(Role.resident), target=project, body="Buy my pills",
                                      locale="en")
    client = app.test_client()
    login(client, make.user(Role.resident))
    token = csrf_from(client.get(f"/projects/{project.id}").get_data(as_text=True))
    client.post(f"/comments/{other.id}/report", data={"reason": "Spam", "csrf_token": token})
    assert db.session.scalar(select(CommentReport.reason).filter_by(comment_id=other.id)) == "Spam"
    assert "Spam" in moderator(app, make).get(f"/cycles/{cycle.slug}/moderation").get_data(as_text=True)
