"""Comments: posted in the writer's language, translated by liaisons, reported and moderated."""

import pytest
from sqlalchemy import func, select

from pb.audit.models import AuditEvent
from pb.db import db
from pb.deliberation.models import Comment
from pb.enums import Phase, Role
from tests.conftest import csrf_from, login, open_voting


def page_and_token(client, url):
    html = client.get(url).get_data(as_text=True)
    return html, csrf_from(html)


def setup(app, make, phase=Phase.development):
    cycle = make.cycle(phase=phase, languages=["es"])
    project = make.project(cycle, title="Clinic van") if phase == Phase.development else None
    return cycle, project


def as_user(app, make, role):
    client = app.test_client()
    login(client, make.user(role))
    return client


def test_comment_reply_translate_hide_end_to_end(app, make, client):
    """A resident comments in Spanish, another replies, a liaison translates, then hides one."""
    _, project = setup(app, make)
    url = f"/projects/{project.id}"
    resident = as_user(app, make, Role.resident)
    resident.get("/language/es")
    _, token = page_and_token(resident, url)
    resident.post(f"{url}/comments", data={"csrf_token": token, "body": "Mi vecino necesita esto."})
    first = db.session.scalars(select(Comment)).one()
    assert first.locale == "es"
    other = as_user(app, make, Role.resident)
    _, token = page_and_token(other, url)
    other.post(f"{url}/comments", data={"csrf_token": token, "body": "Agreed!", "parent_id": str(first.id)})
    liaison = as_user(app, make, Role.liaison)
    _, token = page_and_token(liaison, url)
    liaison.post(f"/comments/{first.id}/translations", data={"csrf_token": token, "locale": "en",
                                                            "text": "My neighbour needs this."})
    public = client.get(url).get_data(as_text=True)
    assert "Mi vecino necesita esto." in public and "My neighbour needs this." in public
    assert public.index("Mi vecino") < public.index("Agreed!")  # the reply sits under its comment
    reply = db.session.scalars(select(Comment).filter_by(body="Agreed!")).one()
    assert reply.parent_id == first.id
    liaison.post(f"/comments/{reply.id}/hide", data={"csrf_token": token, "reason": "Off topic"})
    public = client.get(url).get_data(as_text=True)
    assert "Agreed!" not in public and "A moderator hid this comment. Reason: Off topic" in public
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("comment.%"))
                                 .order_by(AuditEvent.seq)).all()
    assert actions == ["comment.post", "comment.post", "comment.translate", "comment.hide"]


def test_residents_cannot_moderate_and_anonymous_cannot_post(app, make, client):
    _, project = setup(app, make)
    resident = as_user(app, make, Role.resident)
    _, token = page_and_token(resident, f"/projects/{project.id}")
    resident.post(f"/projects/{project.id}/comments", data={"csrf_token": token, "body": "Hello"})
    comment = db.session.scalars(select(Comment)).one()
    assert resident.post(f"/comments/{comment.id}/hide", data={"csrf_token": token, "reason": "x"}).status_code == 403
    anonymous = client.post(f"/projects/{project.id}/comments", data={"body": "Hi"})
    assert anonymous.status_code in (302, 400)
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 1


def test_bad_comments_change_nothing(app, make):
    """Empty, oversized or script comments are refused or shown as text."""
    _, project = setup(app, make)
    resident = as_user(app, make, Role.resident)
    url = f"/projects/{project.id}"
    _, token = page_and_token(resident, url)
    for body in ("   ", "x" * 2001):
        resident.post(f"{url}/comments", data={"csrf_token": token, "body": body})
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 0
    resident.post(f"{url}/comments", data={"csrf_token": token, "body": "<script>alert(1)</script>\u202e"})
    html = resident.get(url).get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_comments_close_after_voting(app, make):
    cycle, project = setup(app, make)
    from pb.lifecycle.services import advance

    make.project(cycle)  # the ballot needs two projects
    open_voting(cycle)
    advance(actor=None, cycle=cycle, current=Phase.voting)
    db.session.commit()
    resident = as_user(app, make, Role.resident)
    html, token = page_and_token(resident, f"/projects/{project.id}")
    assert "Comments are closed" in html
    resident.post(f"/projects/{project.id}/comments", data={"csrf_token": token, "body": "Too late"})
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 0


def test_rate_limit_per_account(app, make):
    """An account can post at most 10 comments an hour; the 11th is refused with a message."""
    _, project = setup(app, make)
    resident = as_user(app, make, Role.resident)
    url = f"/projects/{project.id}"
    _, token = page_and_token(resident, url)
    for n in range(11):
        response = resident.post(f"{url}/comments", data={"csrf_token": token, "body": f"Comment {n}"},
                                 follow_redirects=True)
    assert "wait a little" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 10


def test_reported_comment_appears_for_moderators(app, make):
    cycle, project = setup(app, make)
    resident = as_user(app, make, Role.resident)
    _, token = page_and_token(resident, f"/projects/{project.id}")
    resident.post(f"/projects/{project.id}/comments", data={"csrf_token": token, "body": "Rude words"})
    comment = db.session.scalars(select(Comment)).one()
    resident.post(f"/comments/{comment.id}/report", data={"csrf_token": token})
    liaison = as_user(app, make, Role.liaison)
    assert "Rude words" in liaison.get(f"/cycles/{cycle.slug}/moderation").get_data(as_text=True)


@pytest.mark.parametrize("parent", ["²", "99999999999999999999999"])
def test_a_reply_to_an_impossible_comment_number_is_a_plain_comment(app, make, parent):
    """A parent that is no number the database holds is ignored (a top-level comment), not a 500."""
    _, project = setup(app, make)
    url = f"/projects/{project.id}"
    resident = as_user(app, make, Role.resident)
    _, token = page_and_token(resident, url)
    response = resident.post(f"{url}/comments", data={"csrf_token": token, "body": "Hello.", "parent_id": parent})
    assert response.status_code == 302
    assert db.session.scalars(select(Comment.parent_id)).one() is None
