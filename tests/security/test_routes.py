"""Every route: CSRF refusal on every state-changing request, security headers on every response."""

from __future__ import annotations

import pytest

from pb.accounts.access import PUBLIC, SIGNED_IN
from pb.enums import Phase, Role
from pb.web import CSP
from tests.conftest import csrf_from, login
from tests.security.conftest import stored_digest, url_map_routes
from tests.test_access import declared_rules, sample_url
from tests.voting.conftest import voting_cycle  # noqa: F401  (fixture)

ROUTES = url_map_routes()
# RFC 8058 one-click unsubscribe: a mail app posts with no session and no form token; the
# signed token in the URL is the proof (tests/residents/test_residents.py).
CSRF_EXEMPT = {"residents.unsubscribe_one_click"}
POSTS = [(e, m) for e, m in ROUTES if m not in ("GET", "HEAD", "OPTIONS") and e not in CSRF_EXEMPT]
CSRF_TEXT = "sent from another site"


def allowed_role(rule):
    """A role the route's declared rule lets in (None = anonymous)."""
    if rule == PUBLIC:
        return None
    if rule == SIGNED_IN:
        return Role.resident
    return Role.staff if Role.staff in rule else sorted(rule)[0]


def client_as(app, make, role):
    client = app.test_client()
    if role is not None:
        login(client, make.user(role))
    return client


def test_only_get_and_post_are_served():
    """The URL map has no PUT/PATCH/DELETE routes, so POST is the only state-changing method."""
    assert {m for _e, m in ROUTES} <= {"GET", "POST"}


def test_no_view_is_exempt_from_csrf(app):
    """Flask-WTF protects every view but the one-click unsubscribe a mail app posts to."""
    csrf = app.extensions["csrf"]
    exempt = {f"{app.view_functions[e].__module__}.{app.view_functions[e].__name__}" for e in CSRF_EXEMPT}
    assert csrf._exempt_views == exempt and not csrf._exempt_blueprints


@pytest.mark.parametrize(("endpoint", "method"), POSTS, ids=[e for e, _ in POSTS])
def test_post_without_or_with_foreign_csrf_token_is_refused(app, make, endpoint, method):
    """A POST with no token, or another session's token, is a 400 that changes nothing."""
    cycle = make.cycle(phase=Phase.ideas)  # any cycle: the checks come before the view
    client = client_as(app, make, allowed_role(declared_rules(app)[endpoint]))
    url, _ = sample_url(app, endpoint, cycle, method)
    stranger = app.test_client()
    foreign = csrf_from(stranger.get("/login").get_data(as_text=True))
    before = stored_digest()
    fields = {"current": "voting", "code": "AAAA-BBBB-CCCC", "name": "X", "count": "5", "batch": "b"}
    for data in (fields, fields | {"csrf_token": foreign}, fields | {"csrf_token": "forged"}):
        response = client.post(url, data=data)
        assert response.status_code == 400, (endpoint, response.status_code)
        assert CSRF_TEXT in response.get_data(as_text=True)
    assert stored_digest() == before
    own = csrf_from(client.get("/login").get_data(as_text=True))
    control = client.post(url, data=fields | {"csrf_token": own})  # the token is the only difference
    assert CSRF_TEXT not in control.get_data(as_text=True)


def assert_secure_headers(response, https: bool, where):
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert csp == CSP and "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    assert "frame-ancestors 'none'" in csp, where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") == "same-origin", where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("Cross-Origin-Opener-Policy") == "same-origin", where
    assert ("Strict-Transport-Security" in headers) is https, where
    if https:
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000"), where


@pytest.mark.parametrize(("endpoint", "method"), ROUTES, ids=[f"{e}-{m}" for e, m in ROUTES])
def test_every_route_sends_security_headers(app, make, endpoint, method):
    """Anonymous and permitted users, over HTTP and HTTPS, get the headers on every route."""
    cycle = make.cycle(phase=Phase.ideas)
    url, _ = sample_url(app, endpoint, cycle, method)
    for role in {None, allowed_role(declared_rules(app)[endpoint])}:
        client = client_as(app, make, role)
        token = csrf_from(client.get("/login").get_data(as_text=True))
        data = {"csrf_token": token, "current": "voting"} if method == "POST" else None
        for https in (False, True):
            base = "https://localhost" if https else "http://localhost"
            response = client.open(url, method=method, data=data, base_url=base)
            assert response.status_code != 500, (endpoint, role)
            assert_secure_headers(response, https, (endpoint, method, role, https))


def test_error_pages_and_static_files_send_security_headers(app, client):
    """404, 405, 413, CSRF 400, static files and downloads all carry the headers."""
    responses = [client.get("/nowhere"), client.put("/login"), client.post("/login"),
                 client.post("/login", data={"x": "y" * (3 * 1024 * 1024)}),
                 client.get("/static/pb.css"), client.get("/audit/export.jsonl")]
    assert [r.status_code for r in responses] == [404, 405, 400, 413, 200, 200]
    for response in responses:
        assert_secure_headers(response, False, response.status_code)


def test_unexpected_error_page_sends_security_headers(database_url):
    """Even a 500 (from a deliberately broken test-only view) has the headers and no trace."""
    from tests.conftest import make_app

    app = make_app(database_url, PROPAGATE_EXCEPTIONS=False)

    @app.get("/broken-for-test")
    def broken():
        raise RuntimeError("boom")

    with app.app_context():
        response = app.test_client().get("/broken-for-test", base_url="https://localhost")
    assert response.status_code == 500 and "boom" not in response.get_data(as_text=True)
    assert_secure_headers(response, True, 500)


def test_pages_have_no_inline_script_style_or_handlers(app, make, voting_cycle):  # noqa: F811
    """The CSP forbids inline code, so no page may rely on it: every GET page is checked."""
    import re

    cycle, _ids = voting_cycle
    client = client_as(app, make, Role.staff)
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=\"|\son[a-z]+=\"", re.I)
    for endpoint, method in ROUTES:
        if method == "GET":
            html = client.get(sample_url(app, endpoint, cycle, method)[0]).get_data(as_text=True)
            assert not inline.search(html), (endpoint, inline.search(html))


def test_no_public_route_under_admin_or_kiosk(app):
    """Staff and liaison areas never contain a route anyone may open."""
    rules = declared_rules(app)
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/admin", "/kiosk")):
            assert rules[rule.endpoint] != PUBLIC, rule.rule
