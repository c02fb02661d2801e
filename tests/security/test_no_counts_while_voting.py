"""No count of any kind while voting is open: a differential crawl.

Every GET page and download the app serves is fetched as every role, then residents vote
(access codes used, voters registered, a kiosk check-in), and everything is fetched again.
If any response (status, or body once per-request tokens are masked) changed, that page
publishes something derivable as a count of ballots, check-ins or used codes.
"""

import re
from datetime import date

import pytest
from sqlalchemy import select

from pb.db import db
from pb.enums import Channel, Phase, Role
from pb.kiosk.services import add_site, check_in, open_session
from pb.proposals.models import Project
from pb.survey.services import switch_live_turnout
from pb.voting.services import cast_ballot, check_access_code, issue_access_codes, register_voter
from tests.conftest import csrf_from, login, open_voting

ROLES = [None, Role.resident, Role.liaison, Role.observer, Role.staff]
MASKS = [  # values that differ between any two requests, whatever the data
    re.compile(r'(name="csrf_token"[^>]*value=")[^"]+'),
    re.compile(r'(name="n"[^>]*value=")[^"]+'),
    re.compile(r"([?&]n=)[\w-]+"),
    re.compile(r'(<img src=")data:[^"]+'),  # the two-step setup QR code (a fresh secret)
    re.compile(r"(type this key instead:</li>|<code>)[A-Z2-7]{16,}"),  # and its key
]


def _mask(body: str) -> str:
    for pattern in MASKS:
        body = pattern.sub(r"\1…", body)
    return body


def _get_urls(app, values) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or not rule.arguments <= values.keys():
            continue
        with app.test_request_context():
            urls.append(app.url_for(rule.endpoint, **{k: values[k] for k in rule.arguments}))
    return sorted(urls)


def _crawl(app, users, urls) -> dict:
    seen = {}
    for role in ROLES:
        client = app.test_client()
        if role is not None:
            login(client, users[role])
        for url in urls:
            if url.endswith("/logout"):
                continue
            response = client.get(url)
            seen[(str(role), url)] = (response.status_code, _mask(response.get_data(as_text=True)))
    return seen


@pytest.fixture
def cycle_in_voting(make):
    staff = make.user(Role.staff)
    cycle = make.cycle(phase=Phase.development, actor=staff)
    projects = [make.project(cycle, cost_cents=(i + 1) * 10_000_00, title=f"Project {i}") for i in range(3)]
    codes = issue_access_codes(actor=staff, cycle=cycle, count=10, batch="crawl")
    open_voting(cycle, actor=staff)
    return cycle, [p.id for p in projects], codes


def test_nothing_changes_on_any_page_when_people_vote(app, make, cycle_in_voting):
    """Ballots cast, codes used and check-ins made while voting is open change no response
    for anonymous visitors, residents, liaisons, observers or staff."""
    cycle, ids, codes = cycle_in_voting
    users = {role: make.user(role) for role in ROLES if role is not None}
    liaison = users[Role.liaison]
    cycle.use_kiosks = True
    site = add_site(actor=users[Role.staff], cycle=cycle, name="Library")
    kiosk = open_session(actor=liaison, cycle=cycle, site=site, device_token="crawl-device", pin="4816")
    db.session.commit()
    values = {"slug": cycle.slug, "project_id": ids[0], "idea_id": 1, "kiosk_id": kiosk.id, "batch_id": 1,
              "snapshot_id": 1, "object_type": "Project", "object_id": ids[0], "field": "title",
              "lang": "es", "code": "es", "comment_id": 1, "token": "x", "update_id": 1}
    urls = _get_urls(app, values)
    assert len(urls) > 20  # the crawl reaches the site, not a handful of pages
    before = _crawl(app, users, urls)

    for code in codes[:3]:
        cast_ballot(cycle=cycle, credential=check_access_code(cycle, code), ranking=ids[:2],
                    channel=Channel.online, locale="en")
    for n in range(2):
        register_voter(cycle=cycle, name=f"Resident Number{n}", birth_date=date(1980, 1, n + 1),
                       area=cycle.areas[0], channel=Channel.online, today=date(2027, 1, 1))
    check_in(actor=liaison, kiosk=kiosk, name="Lan Tran", birth_date=date(1975, 3, 2),
             area=cycle.areas[0], today=date(2027, 1, 1))
    db.session.commit()
    assert db.session.scalar(select(Project.id).limit(1)) is not None

    after = _crawl(app, users, urls)
    changed = sorted(key for key in before if before[key] != after[key])
    assert changed == [], changed


def test_with_live_turnout_on_only_the_staff_turnout_page_changes(app, make, cycle_in_voting):
    """The one documented exception: a cycle that switched live turnout on shows staff, on
    its turnout page only, daily participation; every other page and every other role sees
    nothing change when people vote."""
    cycle, ids, codes = cycle_in_voting
    users = {role: make.user(role) for role in ROLES if role is not None}
    switch_live_turnout(actor=users[Role.staff], cycle=cycle, on=True)
    db.session.commit()
    values = {"slug": cycle.slug, "project_id": ids[0], "idea_id": 1, "kiosk_id": 1, "batch_id": 1,
              "snapshot_id": 1, "object_type": "Project", "object_id": ids[0], "field": "title",
              "lang": "es", "code": "es", "comment_id": 1, "token": "x", "survey_batch_id": 1, "area_id": 1,
              "update_id": 1}
    urls = _get_urls(app, values)
    before = _crawl(app, users, urls)

    for code in codes[:3]:  # cast through the web, where the day count is kept
        voter = app.test_client()
        page = voter.get(f"/cycles/{cycle.slug}/vote").get_data(as_text=True)
        voter.post(f"/cycles/{cycle.slug}/vote/code", data={"code": code, "csrf_token": csrf_from(page)})
        token = csrf_from(voter.get(f"/cycles/{cycle.slug}/ballot").get_data(as_text=True))
        cast = voter.post(f"/cycles/{cycle.slug}/ballot",
                          data={"csrf_token": token, "step": "cast", f"rank-{ids[0]}": "1"})
        assert cast.status_code == 200 and 'id="tracker"' in cast.get_data(as_text=True)  # answered in place
    db.session.commit()

    after = _crawl(app, users, urls)
    changed = sorted(key for key in before if before[key] != after[key])
    assert changed == [(str(Role.staff), f"/admin/cycles/{cycle.slug}/turnout")], changed
