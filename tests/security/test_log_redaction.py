"""No one-time link token or credential in the logs: gunicorn's access and error logs (through
pb.security.gunicorn_conf) and the app's own unhandled-error line (pb.web), while the routes
themselves stay visible so operators can still read the traffic."""

from __future__ import annotations

import contextlib
import http.client
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask import url_for
from gunicorn.config import Config

from pb.accounts import signup
from pb.accounts.tokens import issue_token
from pb.db import db
from pb.enums import Role
from pb.notifications.notify import unsubscribe_token
from pb.security.gunicorn_conf import RedactingLogger
from pb.security.logs import redact
from pb.voting.services import issue_access_codes, register_online
from tests.conftest import DEFAULT_PASSWORD, csrf_from
from tests.voting.conftest import voting_cycle  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
# gunicorn's default access format, plus every other atom that can hold a path, a query or a
# referer: the operator may choose any of them.
ACCESS_FORMAT = ('%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" '
                 "U=%(U)s q=%(q)s raw=%({raw_uri}e)s path=%({path_info}e)s qs=%({query_string}e)s "
                 "ref=%({referer}i)s loc=%({location}o)s")


@pytest.mark.parametrize(("text", "expected"), [
    ("/account/reset/abc123", "/account/reset/[token]"),
    ("/unsubscribe/eyJ1IjoxfQ.sig-_x/one-click", "/unsubscribe/[token]/one-click"),
    ("GET /cycles/east/vote/verify/Zx_9-a?lang=es HTTP/1.1", "GET /cycles/east/vote/verify/[token]?lang=es HTTP/1.1"),
    ("https://vote.example.org/login/link/QW-e_r", "https://vote.example.org/login/link/[token]"),
    ("/cycles/east/vote?code=K7P2-AB9Q&lang=en", "/cycles/east/vote?code=[redacted]&lang=en"),
    ("tracker=ABCDEFGHJKMN", "tracker=[redacted]"),
    # A link kept in `next=` after a sign-in timeout, escaped; a decoded line break stays escaped.
    ("/login?next=%2Faccount%2Freset%2Fs3cret%0Aforged", "/login?next=/account/reset/[token]%0Aforged"),
    ("/login%2Flink/%61bc", "/login/link/[token]"),
    # Variants the router still serves (found by review): repeated slashes, a quote, odd values.
    ("/account//reset/abc123", "/account//reset/[token]"),
    ("/account/reset//abc123", "/account/reset//[token]"),
    ('/account/reset/"abc123', '/account/reset/"[token]'),
    ('"https://x.org/cycles/e/vote?code=K7P2-AB9Q"', '"https://x.org/cycles/e/vote?code=[redacted]"'),
    ("/cycles/e/vote?code=K7P2'Q9XW&lang=en", "/cycles/e/vote?code=[redacted]&lang=en"),
    ('/cycles/e/vote?code="K7P2-AB9Q', "/cycles/e/vote?code=[redacted]"),
    ("/cycles/e/vote?code[]=K7P2-AB9Q", "/cycles/e/vote?code[]=[redacted]"),
    # Not secrets: the pages without a token, other paths, words that only look alike.
    ("/login/link", "/login/link"),
    ("/account/email", "/account/email"),
    ("/cycles/east/vote/verify", "/cycles/east/vote/verify"),
    ("/ideas/12?q=reset&page=2", "/ideas/12?q=reset&page=2"),
    ("/kiosk/3/ballot?n=xyz", "/kiosk/3/ballot?n=xyz"),
    ("barcode=12", "barcode=12"),
])
def test_redact(text, expected):
    assert redact(text) == expected


def test_every_token_route_of_the_app_is_redacted(app):
    """Each rule with a `token` argument, whatever blueprint adds it later, loses its token."""
    rules = [rule for rule in app.url_map.iter_rules() if "token" in rule.arguments]
    assert len(rules) >= 8
    with app.test_request_context():
        for rule in rules:
            path = url_for(rule.endpoint, token="Tok3n_-.x", slug="east")
            assert "Tok3n" not in redact(path), f"{rule.rule}: add it to pb.security.logs.TOKEN_ROUTES"
            assert redact(path).count("[token]") == 1


def test_the_unhandled_error_line_names_the_route_but_not_the_token(app, client, caplog):
    def broken(**_):
        raise RuntimeError("boom")

    app.view_functions["accounts.reset_password"] = broken
    with caplog.at_level(logging.ERROR):
        assert client.get("/account/reset/Secr3tTok3n").status_code == 500
    lines = [r.getMessage() for r in caplog.records]
    assert "Unhandled error on GET /account/reset/[token]" in lines
    assert "Secr3tTok3n" not in caplog.text


def test_a_database_error_in_the_log_holds_no_value_of_its_statement(app, client, caplog):
    """The traceback of an unhandled database error (logged with its exception text) names
    the statement but not the values it was given: an email, an access code, a ranking."""
    from sqlalchemy import text

    secret = "-".join(["K7P2", "Q9XW", "SECRET"])  # not spelled out in this source line

    def broken(**_):
        db.session.execute(text("SELECT * FROM no_such_table WHERE code = :code"), {"code": secret})

    app.view_functions["accounts.reset_password"] = broken
    with caplog.at_level(logging.ERROR):
        assert client.get("/account/reset/anything").status_code == 500
    assert "no_such_table" in caplog.text and secret not in caplog.text


def test_gunicorns_own_error_lines_are_redacted(tmp_path):
    """gunicorn logs the URI of a request that broke the worker ("Error handling request …")."""
    cfg = Config()
    cfg.set("errorlog", str(tmp_path / "error.log"))
    logger = RedactingLogger(cfg)
    logger.error("Error handling request %s %s", "POST", "/account/invitation/Secr3tTok3n")
    logger.setup(cfg)  # a configuration reload (HUP) keeps one filter
    logger.warning("Invalid request from ip=127.0.0.1: /login/link/0therTok3n")
    text = (tmp_path / "error.log").read_text()
    assert "POST /account/invitation/[token]" in text and "/login/link/[token]" in text
    assert "Tok3n" not in text
    assert len(logger.error_log.filters) == 1


# ---- a real gunicorn with the production config ----------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Browser:
    """Just enough of a browser: keeps cookies, sends the page as Referer when it posts a form."""

    def __init__(self, port: int):
        self.port, self.cookies = port, {}

    def request(self, method: str, path: str, data: dict | None = None, referer: str | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if referer:
            headers["Referer"] = f"http://{HOST}:{self.port}{referer}"
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection(HOST, self.port, timeout=5)
        try:
            conn.request(method, path, body, headers)
            response = conn.getresponse()
            text = response.read().decode()
        finally:
            conn.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, text

    def open_and_press(self, path: str, extra: dict | None = None) -> tuple[int, int]:
        """GET the emailed link, then press its button: the POST the page's form sends."""
        got, page = self.request("GET", path)
        posted, _ = self.request("POST", path, {"csrf_token": csrf_from(page), **(extra or {})}, referer=path)
        return got, posted


@contextlib.contextmanager
def gunicorn(database_url: str, tmp_path: Path, config: str = "python:pb.security.gunicorn_conf"):
    """gunicorn as production runs it (one worker), logging to files in tmp_path; stopped by PID."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PB_")}
    env |= {"PB_DATABASE_URL": database_url, "PB_SECRET_KEY": "test-secret",
            "PB_VOTER_KEY_SECRET": "test-voter-secret", "PB_RATE_LIMITS_ENABLED": "false"}
    cmd = [sys.executable, "-m", "gunicorn", "-c", config, "--workers", "1", "--bind", f"{HOST}:{port}",
           "--access-logfile", str(tmp_path / "access.log"), "--access-logformat", ACCESS_FORMAT,
           "--error-logfile", str(tmp_path / "error.log"), "app:app"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while True:
            assert proc.poll() is None, (tmp_path / "error.log").read_text()
            with contextlib.suppress(OSError):
                if Browser(port).request("GET", "/healthz")[0] == 200:
                    break
            assert time.monotonic() < deadline, "gunicorn did not answer /healthz within 15 s"
            time.sleep(0.1)
        yield port
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()


def test_the_access_log_shows_each_link_route_but_never_its_token(app, database_url, make, voting_cycle,  # noqa: F811
                                                                  tmp_path):
    """Every emailed link, opened and its button pressed (the POST carries the link as
    Referer), plus the credentials a query string can carry, through a real gunicorn started
    with the production config: the access log names each route and holds no secret."""
    cycle, _ids = voting_cycle
    resident, staff, invited = make.user(), make.user(Role.staff), make.user(Role.liaison)
    [code] = issue_access_codes(actor=None, cycle=cycle, count=1, batch="log")
    _entry, vote_token = register_online(cycle=cycle, name="Amina Diallo", birth_date=date(1980, 1, 1),
                                         area=cycle.areas[0], email="amina@example.org", today=date(2027, 1, 1))
    links = {  # route as the access log should show it -> the emailed link
        "/signup/verify/[token]": f"/signup/verify/{issue_token(user=resident, purpose='verify')}",
        "/login/link/[token]": f"/login/link/{issue_token(user=resident, purpose='signin')}",
        "/account/email/[token]": "/account/email/" + signup.request_email_change(user=resident,
                                                                                 new_email="new@example.org"),
        "/account/reset/[token]": f"/account/reset/{issue_token(user=staff, purpose='reset')}",
        "/account/invitation/[token]": f"/account/invitation/{issue_token(user=invited, purpose='invite')}",
        "/unsubscribe/[token]": f"/unsubscribe/{unsubscribe_token(resident)}",
        f"/cycles/{cycle.slug}/vote/verify/[token]": f"/cycles/{cycle.slug}/vote/verify/{vote_token}",
    }
    one_click = f"/unsubscribe/{unsubscribe_token(staff)}/one-click"
    tracker = "ABCDEFGHJKMN"
    db.session.commit()
    secrets = [link.rsplit("/", 1)[1] for link in links.values()] + [one_click.split("/")[2], code, tracker]
    assert all(len(s) >= 12 for s in secrets)
    plain = [f"/cycles/{cycle.slug}/vote?lang=en", f"/cycles/{cycle.slug}/tracker?page=2", "/login/link"]

    with gunicorn(database_url, tmp_path) as port:
        answers = {}
        for route, link in links.items():
            answers[route] = Browser(port).open_and_press(link, {"password": DEFAULT_PASSWORD + "!",
                                                                 "confirm": DEFAULT_PASSWORD + "!"})
        browser = Browser(port)
        one = browser.request("POST", one_click, {"List-Unsubscribe": "One-Click"})[0]
        queried = [browser.request("GET", f"/cycles/{cycle.slug}/vote?code={code}")[0],
                   browser.request("GET", f"/cycles/{cycle.slug}/tracker?tracker={tracker}")[0]]
        for path in plain:
            browser.request("GET", path, referer=path)
    # Read once gunicorn has stopped: a worker writes the line after it has sent the answer.
    log, errors = (tmp_path / "access.log").read_text(), (tmp_path / "error.log").read_text()

    # The links were real: every page opened, every button did its work (a redirect or its page).
    assert all(got == 200 and posted in (200, 302, 303) for got, posted in answers.values()), answers
    assert one == 200 and queried == [200, 200]
    for secret in secrets:
        assert secret not in log and secret not in errors, secret
    for route in links:
        assert f'"GET {route} HTTP/1.1"' in log and f'"POST {route} HTTP/1.1"' in log, route
        assert f"ref=http://{HOST}:{port}{route} " in log, route
    assert "/unsubscribe/[token]/one-click" in log
    assert f"/cycles/{cycle.slug}/vote?code=[redacted]" in log and "tracker=[redacted]" in log
    for path in plain:  # anything else is logged as it was asked for
        assert f'"GET {path} HTTP/1.1"' in log and f"ref=http://{HOST}:{port}{path} " in log, path
    assert len(re.findall(r"^127\.0\.0\.1 ", log, re.MULTILINE)) >= 2 * len(links) + 6
