"""Rate limits kept in the database: shared by app servers, keyed without storing the key."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pb.db import db
from pb.enums import Channel
from pb.security.models import RateCounter
from pb.security.ratelimit import RateLimited, limit
from pb.voting.models import Ballot, VoteMark
from pb.voting.services import cast_ballot, check_access_code, issue_access_codes
from tests.conftest import csrf_from, make_app
from tests.voting.conftest import voting_cycle  # noqa: F401  (fixture)


def test_limit_counts_and_refuses_past_the_maximum(app):
    """The third hit of a key allowed twice per window is refused with a Retry-After."""
    with app.test_request_context():
        assert limit("test:alice@example.org", 2, 600) == 1
        assert limit("test:alice@example.org", 2, 600) == 2
        with pytest.raises(RateLimited) as refused:
            limit("test:alice@example.org", 2, 600)
        assert 1 <= refused.value.retry_after <= 600
        assert limit("test:bob@example.org", 2, 600) == 1  # another key is unaffected


def test_two_app_servers_share_the_counters(app, database_url):
    """A second app on the same database sees the first one's hits (no process memory)."""
    other = make_app(database_url)
    with app.test_request_context():
        limit("shared-key", 3, 600)
        limit("shared-key", 3, 600)
    with other.app_context(), other.test_request_context():
        assert limit("shared-key", 3, 600) == 3
        with pytest.raises(RateLimited):
            limit("shared-key", 3, 600)
        db.session.remove()


def test_counters_store_only_a_keyed_hash(app):
    """A database reader cannot see which email or code was counted."""
    with app.test_request_context():
        limit("login:someone@example.org", 5, 60)
    rows = db.session.scalars(select(RateCounter)).all()
    assert len(rows) == 1 and "someone" not in rows[0].key_hash and len(rows[0].key_hash) == 64


def test_refused_request_still_counts(app, client, make):
    """A failed sign-in rolls back its request, but its hit is kept: the 21st try is a 429."""
    token = csrf_from(client.get("/login").get_data(as_text=True))
    codes = [client.post("/login", data={"email": "a@example.org", "password": "x" * 12, "csrf_token": token}).status_code
             for _ in range(21)]
    assert codes[:20] == [200] * 20 and codes[20] == 429


def test_too_many_code_attempts_from_one_device_is_429(app, client, voting_cycle):  # noqa: F811
    """Guessing access codes from one browser stops with a translated 429 and Retry-After."""
    cycle, _ = voting_cycle
    token = csrf_from(client.get(f"/cycles/{cycle.slug}/vote").get_data(as_text=True))
    statuses = [client.post(f"/cycles/{cycle.slug}/vote/code",
                            data={"code": f"AAAA-BBBB-{i:04d}", "csrf_token": token}) for i in range(31)]
    assert [r.status_code for r in statuses[:30]] == [400] * 30
    assert statuses[30].status_code == 429 and int(statuses[30].headers["Retry-After"]) > 0
    with client.session_transaction() as s:
        s["locale"] = "es"
    spanish = client.post(f"/cycles/{cycle.slug}/vote/code", data={"code": "X", "csrf_token": token})
    assert spanish.status_code == 429 and "Too many attempts" not in spanish.get_data(as_text=True)


def test_limits_work_inside_a_writing_sqlite_transaction(app):
    """Called after the request has written, the limiter counts inside that transaction (no deadlock)."""
    from pb.accounts.services import create_user
    from pb.enums import Role

    with app.test_request_context():
        create_user(actor=None, email="w@example.org", name="W", password="long enough pw", role=Role.staff)
        db.session.flush()
        assert limit("while-writing", 5, 60) == 1
        db.session.commit()
    assert db.session.scalar(select(RateCounter.hits)) == 1


def test_a_limit_checked_after_a_cast_never_commits_half_of_it(app, voting_cycle):  # noqa: F811
    """A cast writes with plain statements (no ORM flush). A rate limit checked after it in the
    same request must count inside that transaction, so a request that then fails stores
    nothing: no ballot without its request, no code used for nothing."""
    cycle, ids = voting_cycle
    code = issue_access_codes(actor=None, cycle=cycle, count=1, batch="half")[0]
    db.session.commit()
    app.config["RATE_LIMITS_ENABLED"] = True
    with app.test_request_context("/", method="POST"):
        credential = check_access_code(cycle, code)
        db.session.commit()
        cast_ballot(cycle=cycle, credential=credential, ranking=[ids[0]], channel=Channel.online, locale="en")
        limit("after-a-cast", 10, 60)
        db.session.rollback()  # the request fails after the check
    stored = db.session.scalar(select(func.count()).select_from(Ballot)), db.session.scalar(
        select(func.count()).select_from(VoteMark))
    assert stored == (0, 0)
