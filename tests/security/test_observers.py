"""Observers read everything they may see and write nothing."""

from __future__ import annotations

from pb.enums import Phase, Role
from tests.conftest import csrf_from, login
from tests.security.conftest import stored_counts
from tests.test_access import route_methods, sample_url

# Their own sign-in is all an observer may post: signing in, the second step, their
# two-step settings, and signing out.
OWN_SIGN_IN = {"accounts.login", "accounts.second_factor", "accounts.two_factor", "accounts.logout"}


def test_observers_get_403_on_every_post(app, make):
    """Every POST route of the URL map (apart from their own sign-in) answers an observer 403."""
    cycle = make.cycle(phase=Phase.ideas)
    idea_cycle_project = make.project(cycle)
    client = app.test_client()
    login(client, make.user(Role.observer))
    token = csrf_from(client.get("/admin/").get_data(as_text=True))
    before = stored_counts()
    posts = [e for e, m in route_methods(app) if m == "POST" and e not in OWN_SIGN_IN]
    answers = {}
    for endpoint in posts:
        url, _ = sample_url(app, endpoint, cycle, "POST")
        url = url.replace("/projects/1/", f"/projects/{idea_cycle_project.id}/")
        answers[endpoint] = client.post(url, data={"csrf_token": token, "body": "Hello", "reason": "spam",
                                                   "current": "ideas"}).status_code
    assert answers == dict.fromkeys(posts, 403)
    assert len(posts) > 30
    assert stored_counts() == before


def test_observer_cannot_comment_on_a_project(app, make):
    """An observer's comment is refused (403) and not stored, while a resident's is posted."""
    cycle = make.cycle(phase=Phase.ideas)
    project = make.project(cycle)
    for role, status in ((Role.observer, 403), (Role.resident, 302)):
        client = app.test_client()
        login(client, make.user(role))
        token = csrf_from(client.get(f"/projects/{project.id}").get_data(as_text=True))
        before = stored_counts()
        response = client.post(f"/projects/{project.id}/comments", data={"body": "Hi", "csrf_token": token})
        assert response.status_code == status
        assert (stored_counts() == before) == (role == Role.observer)
