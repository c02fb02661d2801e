"""No N+1: the number of SQL statements a public page runs does not grow with the number of
projects, ideas, comments, ballots or progress reports shown (see docs/PERFORMANCE.md).

Two cycles are built through the real services, a small one and one with several times more
of everything; each public page is requested on both and the statement counts must be equal.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from pb.db import db
from pb.deliberation.services import post_comment
from pb.enums import Channel, IdeaStatus, Phase, ProgressStatus, Role
from pb.lifecycle.services import advance, count_votes, publish_result
from pb.proposals.services import create_project, mark_ready, review_idea, submit_idea
from pb.results.services import post_progress
from pb.voting.services import cast_ballot, check_access_code, issue_access_codes
from tests.conftest import open_voting

SMALL, LARGE = 2, 6


@contextmanager
def counting():
    """Count the statements sent to the database while the block runs."""
    statements: list[str] = []

    def before(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def build(make, n: int, slug: str) -> dict:
    """A cycle with n projects (each from an idea), 2n ideas, comments, ballots and progress."""
    staff, second = make.user(Role.staff), make.user(Role.staff)
    cycle = make.cycle(phase=Phase.ideas, slug=slug, actor=staff)
    locales = ["en", "es", "ar"]
    ideas = [submit_idea(actor=staff, cycle=cycle, title=f"Idea {slug} {i}", body="A useful idea. " * 3,
                         category="food", locale=locales[i % 3], channel=Channel.paper,
                         area=cycle.areas[i % 2]) for i in range(2 * n)]
    db.session.flush()
    for idea in ideas:
        for c in range(n):
            post_comment(actor=staff, target=idea, body=f"Comment {c}", locale=locales[c % 3])
    advance(actor=staff, cycle=cycle, current=Phase.ideas)
    for idea in ideas[:n]:
        review_idea(actor=staff, idea=idea, status=IdeaStatus.advanced)
    db.session.flush()
    projects = []
    for i in range(n):
        # the first project grows from every advanced idea
        project = create_project(actor=staff, cycle=cycle, title=f"Project {slug} {i}", summary="A costed project.",
                                 locale=locales[i % 3], cost_cents=n * (i + 1) * 1_000_00, category="food",
                                 ideas=ideas[:n] if i == 0 else [],
                                 cost_breakdown=[{"item": f"item {k}", "cents": (i + 1) * 1_000_00} for k in range(n)])
        db.session.flush()
        make.translate_and_review(project)  # the ballot needs reviewed translations
        mark_ready(actor=staff, project=project)
        for c in range(n):
            post_comment(actor=staff, target=project, body=f"On project {c}", locale="en")
        projects.append(project)
    open_voting(cycle, actor=staff)
    codes = issue_access_codes(actor=staff, cycle=cycle, count=1, batch="pages")
    for v in range(5 * n):
        cast_ballot(cycle=cycle, credential=f"bench:{slug}:{v}", ranking=[p.id for p in projects[: 1 + v % 3]],
                    channel=Channel.online, locale=locales[v % 3])
    db.session.commit()
    return {"cycle": cycle, "staff": staff, "second": second, "projects": projects, "ideas": ideas,
            "code": codes[0]}


def publish(built: dict) -> None:
    cycle, staff = built["cycle"], built["staff"]
    advance(actor=staff, cycle=cycle, current=Phase.voting)
    snapshot = count_votes(actor=staff, cycle=cycle)
    publish_result(actor=built["second"], snapshot=snapshot)
    funded = next(p for p in built["projects"] if str(p.id) in snapshot.result["winners"])
    for i in range(len(built["projects"])):
        post_progress(actor=staff, project=funded, status=ProgressStatus.in_progress, percent=10 * i,
                      spent_cents=100 * i, body=f"Update {i}", locale="en")
    built["funded"] = funded
    db.session.commit()


def statements_for(client, path: str, **kwargs) -> list[str]:
    with counting() as statements:
        response = client.get(path, **kwargs)
    assert response.status_code == 200, (path, response.status_code)
    return statements


def voting_pages(client, built: dict) -> dict[str, list[str]]:
    slug, project = built["cycle"].slug, built["projects"][0]
    pages = {"home": "/", "cycle + project list": f"/cycles/{slug}", "idea list": f"/cycles/{slug}/ideas",
             "project detail": f"/projects/{project.id}", "idea detail": f"/ideas/{built['ideas'][0].id}",
             "vote start": f"/cycles/{slug}/vote"}
    counts = {name: statements_for(client, path) for name, path in pages.items()}
    # a voter holding a valid credential (what POST /vote/code puts in the session)
    credential = check_access_code(built["cycle"], built["code"])
    with client.session_transaction() as session:
        session["voter"] = {"cycle": built["cycle"].id, "credential": credential}
    counts["ballot"] = statements_for(client, f"/cycles/{slug}/ballot")
    return counts


def public_pages(client, built: dict) -> dict[str, list[str]]:
    slug = built["cycle"].slug
    pages = {"results": f"/cycles/{slug}/results", "funded project with progress": f"/projects/{built['funded'].id}",
             "cycle + project list (results)": f"/cycles/{slug}", "tracker": f"/cycles/{slug}/tracker"}
    return {name: statements_for(client, path) for name, path in pages.items()}


def assert_same(small: dict[str, list[str]], large: dict[str, list[str]]) -> None:
    grown = {name: (len(small[name]), len(large[name])) for name in small if len(large[name]) > len(small[name])}
    detail = "\n".join(f"{name}: {a} → {b} statements; extra:\n  " + "\n  ".join(large[name][a:])
                       for name, (a, b) in grown.items())
    assert not grown, "queries per page grow with the data (N+1):\n" + detail


@pytest.mark.parametrize("language", ["en", "es"])
def test_pages_run_a_fixed_number_of_queries(app, make, language, monkeypatch):
    # the hourly comment limit per account is not what this test is about
    monkeypatch.setattr("pb.deliberation.services.PER_HOUR", 10_000)
    app.config["PAGE_CACHE"] = False  # this test counts what a render costs, not a cache hit
    client = app.test_client()
    client.get(f"/language/{language}")  # Spanish readers also get translations / pending notes
    small = build(make, SMALL, "small")
    home_one_cycle = statements_for(client, "/")
    large = build(make, LARGE, "large")
    assert_same({"home": home_one_cycle}, {"home": statements_for(client, "/")})
    assert_same(voting_pages(client, small), voting_pages(client, large))
    publish(small)
    publish(large)
    assert_same(public_pages(client, small), public_pages(client, large))
