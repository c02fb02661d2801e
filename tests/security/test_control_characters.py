"""NUL and other control characters get one clear 400 on every route, on SQLite and PostgreSQL.

PostgreSQL cannot store a NUL byte in text (SQLite can), so before this check a NUL in a
search box or an email field was a 500 on PostgreSQL only. The probes walk the URL map, so a
new route is probed without anyone adding it here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select

import pb
import pb.factory  # noqa: F401  (every blueprint, so every form class, is imported)
from pb.enums import Phase, Role
from pb.voting.models import VoterRollEntry
from tests.conftest import csrf_from, login
from tests.security.conftest import stored_counts
from tests.voting.conftest import voting_cycle  # noqa: F401  (fixture)

PROBES = ["\x00", "a\x00b", "\x07", "\x1b[31m", "\x7f", "\x85", "x\x0by"]
SAMPLE = {"slug": None, "code": "es", "token": "x", "object_type": "Project", "field": "title",
          "lang": "es", "filename": "pb.css"}


def query_names() -> set[str]:
    """Every query parameter a view reads (found in the source) and every form field name."""
    source = "\n".join(p.read_text() for p in Path(pb.__file__).parent.rglob("*.py"))
    names = set(re.findall(r"request\.args(?:\.get|\.getlist)?[\[(]\s*[\"'](\w+)", source))
    for form in _subclasses(FlaskForm):
        names |= {name for name, _field in getattr(form, "_unbound_fields", None) or []}
    return names | {"q", "page", "next"}


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def probe_urls(app, slug: str):
    """(endpoint, method, url builder) for every route; builder(text) puts `text` in each string segment."""
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            def build(text, rule=rule):
                values = {}
                for name in rule.arguments:
                    converter = rule._converters[name]
                    if type(converter).__name__ in ("IdConverter", "IntegerConverter"):
                        values[name] = 1
                    else:
                        values[name] = text if text is not None else (SAMPLE.get(name) or slug)
                with app.test_request_context():
                    return app.url_for(rule.endpoint, **values)
            yield rule.endpoint, method, rule, build


@pytest.fixture
def world(app, make, voting_cycle):  # noqa: F811
    cycle, _ = voting_cycle
    clients = {"anonymous": app.test_client()}
    for role in (Role.resident, Role.liaison, Role.staff):
        clients[str(role)] = app.test_client()
        login(clients[str(role)], make.user(role))
    tokens = {name: csrf_from(c.get("/login", follow_redirects=True).get_data(as_text=True))
              for name, c in clients.items()}
    return cycle, clients, tokens


def test_control_characters_get_a_clear_400_on_every_route(app, world):
    """NUL and control characters in the query string, the form fields and the path segments of
    every route, as anonymous, resident, liaison and staff: never a 500, always the clear 400,
    and nothing is stored."""
    cycle, clients, tokens = world
    names = sorted(query_names())
    before = stored_counts()
    failures, probes = [], 0
    for endpoint, method, rule, build in probe_urls(app, cycle.slug):
        for who, client in clients.items():
            url = build(None)
            for i, bad in enumerate(PROBES if who == "anonymous" else PROBES[:2]):
                query = {name: bad for name in names[i::len(PROBES)]} | {"page": "1", "q": bad}
                form = {name: bad for name in names} | {"csrf_token": tokens[who]}
                sent = [client.open(url, method=method, query_string=query,
                                    data=form if method == "POST" else None)]
                if method == "POST":
                    sent.append(client.post(url, data=form))
                if any(type(rule._converters[n]).__name__ not in ("IdConverter", "IntegerConverter")
                       for n in rule.arguments):
                    sent.append(client.open(build(bad), method=method,
                                            data={"csrf_token": tokens[who]} if method == "POST" else None))
                for response in sent:
                    probes += 1
                    if response.status_code != 400 or "hidden control character" not in response.get_data(as_text=True):
                        failures.append((endpoint, method, who, repr(bad), response.status_code))
    assert failures == []
    assert stored_counts() == before
    assert probes > 1000


def test_line_breaks_and_tabs_are_fine_in_form_text(app, make):
    """Tab, CR and LF are ordinary in a multi-line comment; they are not refused."""
    cycle = make.cycle(phase=Phase.ideas)
    project = make.project(cycle)
    client = app.test_client()
    login(client, make.user(Role.resident))
    token = csrf_from(client.get(f"/projects/{project.id}").get_data(as_text=True))
    response = client.post(f"/projects/{project.id}/comments",
                           data={"body": "First line\r\n\tsecond line", "csrf_token": token})
    assert response.status_code == 302


def test_null_byte_in_registration_stores_nothing(app, voting_cycle):  # noqa: F811
    """A NUL in the name of a registration is refused with the clear message; no roll entry."""
    cycle, _ = voting_cycle
    client = app.test_client()
    token = csrf_from(client.get(f"/cycles/{cycle.slug}/vote").get_data(as_text=True))
    response = client.post(f"/cycles/{cycle.slug}/vote/register", data={
        "name": "Amina\x00Yusuf", "birth_date": "1990-05-01", "area": cycle.areas[0].slug,
        "email": "amina@example.org", "attest": "y", "csrf_token": token})
    assert response.status_code == 400 and "hidden control character" in response.get_data(as_text=True)
    from pb.db import db

    assert db.session.scalar(select(func.count()).select_from(VoterRollEntry)) == 0
