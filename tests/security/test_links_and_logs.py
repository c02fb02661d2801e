"""Links that leave the site use the configured address; logs hold no credentials; headers that
name a proxy are believed only from configured proxies; the demo stays out of production."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import pytest
from flask import request, request_started, url_for

import pb.admin.codes
from pb.config import ConfigError, public_url
from pb.db import db
from pb.enums import Phase
from pb.lifecycle.services import advance
from pb.transaction import transaction
from pb.voting.services import issue_access_codes
from tests.conftest import csrf_from, make_app
from tests.voting.conftest import open_voting_link, ranks, tracker_in, voting_cycle  # noqa: F401  (fixture)
from tests.voting.test_registration import link_in, register, smtp  # noqa: F401  (fixture)

BASE = "https://vote.example.org"
SECRETS = {"DATABASE_URL": "sqlite://", "ENV": "production", "SECRET_KEY": "k" * 40, "VOTER_KEY_SECRET": "v" * 40}


@pytest.mark.parametrize("base", [None, "", "http://vote.example.org", "https://", "https://a.org/x y"])
def test_production_refuses_to_start_without_a_public_https_address(base):
    """Production will not start unless PUBLIC_BASE_URL names the site's https address."""
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        make_app("sqlite://", **(SECRETS | {"PUBLIC_BASE_URL": base}))


def test_external_links_use_the_public_address_whatever_the_host_header(database_url):
    """With Host: evil.example, url_for(_external=True) and public_url still name the real site."""
    app = make_app(database_url, PUBLIC_BASE_URL=BASE)
    with app.test_request_context("/", base_url="http://evil.example"):
        assert request.host == "evil.example"
        assert urlsplit(url_for("voting.start", slug="east", _external=True)).netloc == "vote.example.org"
        assert public_url("voting.start", slug="east", _anchor="code=AB") == f"{BASE}/cycles/east/vote#code=AB"


def test_qr_code_keeps_the_access_code_in_the_fragment(app, monkeypatch):
    """The QR link carries the code after '#', so no server or access log ever receives it."""
    encoded = []
    monkeypatch.setattr(pb.admin.codes.segno, "make", lambda url, **kw: encoded.append(url) or _Svg())
    app.config["PUBLIC_BASE_URL"] = BASE
    with app.test_request_context("/", base_url="http://evil.example"):
        pb.admin.codes.qr_data_uri("east", "ABCD-EFGH-JKMN")
    [url] = encoded
    assert url == f"{BASE}/cycles/east/vote#code=ABCD-EFGH-JKMN"
    assert "ABCD" not in url.split("#")[0]


class _Svg:
    def svg_data_uri(self, **_kw):
        return "data:image/svg+xml,"


def test_start_page_loads_the_code_script_and_still_has_the_typed_field(client, voting_cycle):  # noqa: F811
    """The start page fills the code from the fragment with a script, and without JS a person types it."""
    cycle, _ = voting_cycle
    html = client.get(f"/cycles/{cycle.slug}/vote").get_data(as_text=True)
    assert "/static/access_code.js" in html and 'name="code"' in html and 'id="code"' in html
    script = client.get("/static/access_code.js").get_data(as_text=True)
    assert "location.hash" in script and 'getElementById("code")' in script


def test_unsent_mail_is_not_logged_in_production_mode(app, caplog, voting_cycle):  # noqa: F811
    """With no mail server and no debug/test mode, the log says a mail was not sent, nothing more."""
    cycle, _ = voting_cycle
    app.testing = False
    client = app.test_client()
    with caplog.at_level(logging.DEBUG):
        response = register(client, cycle, email="amina.secret@example.org")
    assert response.status_code == 200
    log = caplog.text
    assert "an email was not sent" in log
    assert "amina.secret" not in log and "/vote/verify/" not in log and "Amina" not in log


def test_a_full_voting_run_leaves_no_credential_in_the_logs(app, caplog, voting_cycle, smtp):  # noqa: F811
    """Register, verify, cast by link and by code, close: neither the app log nor the request lines
    (what an access log records) hold the access code, the email, or the tracker; the app log
    does not hold the verification token either."""
    cycle, ids = voting_cycle
    [code] = issue_access_codes(actor=None, cycle=cycle, count=1, batch="log")
    db.session.commit()
    lines = []

    def note(sender, **_):
        lines.append(f"{request.remote_addr} {request.method} {request.full_path}")

    request_started.connect(note, app)
    trackers = []
    with caplog.at_level(logging.DEBUG):
        voter = app.test_client()
        register(voter, cycle, email="amina.secret@example.org")
        link = link_in(smtp.messages[0])
        token = link.rstrip("/").rsplit("/", 1)[1]
        trackers.append(_cast(voter.get(open_voting_link(voter, link).location), voter, cycle, ids))
        by_code = app.test_client()
        page = by_code.get(f"/cycles/{cycle.slug}/vote").get_data(as_text=True)
        ballot = by_code.post(f"/cycles/{cycle.slug}/vote/code", data={"code": code, "csrf_token": csrf_from(page)})
        trackers.append(_cast(ballot, by_code, cycle, ids))
        with transaction():
            advance(actor=None, cycle=cycle, current=Phase.voting)  # close: seal the box
    request_started.disconnect(note, app)
    # Our own log lines (the test's SMTP server logs under "mail.log": that is the recipient's side).
    log = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))
    access = "\n".join(lines)
    assert all(trackers) and len(lines) > 8
    for secret in (code, "amina.secret", *trackers):
        assert secret not in log and secret not in access, secret
    assert token not in log


def _cast(page, client, cycle, ids) -> str:
    """Rank, review and cast; returns the tracker shown on the thanks page."""
    token = csrf_from(page.get_data(as_text=True))
    url = f"/cycles/{cycle.slug}/ballot"
    client.post(url, data={"csrf_token": token, "step": "review", **ranks(ids, 0, 1)})
    done = client.post(url, data={"csrf_token": token, "step": "cast", **ranks(ids, 0, 1)}, follow_redirects=True)
    return tracker_in(done.get_data(as_text=True)) or ""


def test_spoofed_forwarded_headers_are_ignored_without_trusted_proxies(app, client):
    """With TRUSTED_PROXIES = 0, X-Forwarded-Proto/Host/For change nothing, even when the WSGI
    server (gunicorn trusts local peers by default) already switched the scheme to https."""
    assert app.config["TRUSTED_PROXIES"] == 0
    seen = {}

    def note(sender, **_):
        seen.update(scheme=request.scheme, host=request.host, addr=request.remote_addr,
                    link=url_for("cycles.home", _external=True))

    request_started.connect(note, app)
    response = client.get("/", headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example",
                                        "X-Forwarded-For": "203.0.113.9", "SCRIPT_NAME": "/evil"},
                          environ_overrides={"wsgi.url_scheme": "https", "SCRIPT_NAME": "/evil",
                                             "HTTP_SCRIPT_NAME": "/evil"})
    request_started.disconnect(note, app)
    assert seen == {"scheme": "http", "host": "localhost", "addr": "127.0.0.1",
                    "link": "http://localhost/"}
    assert "Strict-Transport-Security" not in response.headers


def test_trusted_proxy_is_believed(database_url):
    """With TRUSTED_PROXIES = 1 the proxy's X-Forwarded-Proto is believed (HSTS is sent)."""
    app = make_app(database_url, TRUSTED_PROXIES=1)
    with app.app_context():
        response = app.test_client().get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert response.headers.get("Strict-Transport-Security")


def test_demo_refuses_to_run_in_production(app, runner):
    """`pb demo` stops with a clear message in production and creates no account."""
    from sqlalchemy import func, select

    from pb.accounts.models import User

    app.config["ENV"] = "production"
    result = runner.invoke(args=["pb", "demo"])
    assert result.exit_code != 0 and "refuses to run when ENV is production" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
