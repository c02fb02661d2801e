"""Comment reports: their own table, one per account per comment, a few an hour, observers none."""

import threading

import pytest
from sqlalchemy import func, select

from pb.db import db
from pb.deliberation import queries, services
from pb.deliberation.models import Comment, CommentReport
from pb.enums import Phase, Role
from pb.errors import DomainError, NotAllowed
from pb.proposals.models import Project
from pb.transaction import Conflict, transaction
from tests.conftest import csrf_from, login


def reports() -> int:
    return db.session.scalar(select(func.count()).select_from(CommentReport))


def comments_on(make, n=1, cycle=None):
    cycle = cycle or make.cycle(phase=Phase.development)
    project = make.project(cycle)
    made = [services.post_comment(actor=make.user(Role.resident), target=project, body=f"Comment {i}",
                                  locale="en") for i in range(n)]
    db.session.commit()
    return cycle, made


def project_of(comment):
    return db.session.get(Project, comment.project_id)


def test_one_report_per_account_per_comment(app, make):
    """A second report of the same comment by the same account is refused; another account's counts."""
    _, [comment] = comments_on(make)
    first, second = make.user(Role.resident), make.user(Role.resident)
    with transaction():
        services.report_comment(actor=first, comment=comment, reason="rude")
    with pytest.raises(DomainError, match="already reported"), transaction():
        services.report_comment(actor=first, comment=comment)
    with transaction():
        services.report_comment(actor=second, comment=comment)
    assert reports() == 2


def test_reports_per_account_are_limited(app, make):
    """An account can report at most 10 comments an hour; the 11th is refused, nothing stored."""
    _, made = comments_on(make, n=11)
    reporter = make.user(Role.resident)
    for comment in made[:10]:
        with transaction():
            services.report_comment(actor=reporter, comment=comment)
    with pytest.raises(DomainError, match="many comments"), transaction():
        services.report_comment(actor=reporter, comment=made[10])
    assert reports() == 10


def test_observers_cannot_report_or_comment(app, make):
    """The services refuse observers too, whatever view calls them."""
    _, [comment] = comments_on(make)
    observer = make.user(Role.observer)
    with pytest.raises(NotAllowed), transaction():
        services.report_comment(actor=observer, comment=comment)
    with pytest.raises(NotAllowed), transaction():
        services.post_comment(actor=observer, target=project_of(comment), body="x", locale="en")
    assert reports() == 0 and db.session.scalar(select(func.count()).select_from(Comment)) == 1


def test_moderation_list_reads_the_report_table_for_this_cycle_only(app, make):
    """Reported, visible comments of this cycle are listed, most reported first; others are not."""
    cycle, [quiet, loud] = comments_on(make, n=2)
    other_cycle, [elsewhere] = comments_on(make)
    people = [make.user(Role.resident) for _ in range(3)]
    with transaction():
        services.report_comment(actor=people[0], comment=quiet)
        for person in people:
            services.report_comment(actor=person, comment=loud)
        services.report_comment(actor=people[0], comment=elsewhere)
    assert [c.id for c in queries.reported_comments(cycle.id)] == [loud.id, quiet.id]
    with transaction():
        services.hide_comment(actor=make.user(Role.staff), comment=loud, reason="Rude")
    assert [c.id for c in queries.reported_comments(cycle.id)] == [quiet.id]
    assert [c.id for c in queries.reported_comments(other_cycle.id)] == [elsewhere.id]


def test_parallel_reports_of_one_comment_store_one(app, make):
    """Two reports sent at the same moment by one account: one stored, the other a clean answer."""
    _, [comment] = comments_on(make)
    reporter = make.user(Role.resident)
    clients = [app.test_client() for _ in range(2)]
    for client in clients:
        login(client, reporter)
    tokens = [csrf_from(c.get("/login", follow_redirects=True).get_data(as_text=True)) for c in clients]
    url = f"/comments/{comment.id}/report"
    db.session.commit()
    barrier, statuses = threading.Barrier(2), []

    def send(client, token):
        barrier.wait()
        statuses.append(client.post(url, data={"csrf_token": token}).status_code)

    threads = [threading.Thread(target=send, args=pair) for pair in zip(clients, tokens, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [302, 302], statuses  # both back on the page: one thanked, one told it was already reported
    assert reports() == 1


def test_conflict_shows_its_message_not_a_500(app, make):
    """A Conflict that escapes a view is shown as a clear 409 page."""
    @app.get("/__conflict")
    def boom():
        with transaction():
            raise Conflict("Someone else made the same change")

    boom.access = "public"
    response = app.test_client().get("/__conflict")
    assert response.status_code == 409 and "Someone else made the same change" in response.get_data(as_text=True)
