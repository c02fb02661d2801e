"""The public page cache serves what is current: after every kind of change, in every
language, on every app server, and never a signed-in or flashed page to anyone else."""

import pytest
from sqlalchemy import event

from pb.audit.services import head, record
from pb.db import db
from pb.deliberation.services import post_comment
from pb.enums import IdeaStatus, Phase, Role
from pb.lifecycle.services import advance
from pb.pagecache import request_head
from pb.proposals.services import review_idea, submit_idea
from tests.conftest import _empty_all_tables, login, make_app


@pytest.fixture
def cycle(make):
    return make.cycle(phase=Phase.ideas, title="Riverside health fund")


def _idea(make, cycle, title="A bench by the clinic door"):
    resident = make.user(Role.resident)
    idea = submit_idea(actor=resident, author=resident, cycle=cycle, title=title, body="Somewhere to rest while waiting.",
                       category="health_access", locale="en", area=cycle.areas[0])
    db.session.commit()
    return idea


def _statements(app, fn):
    """How many SQL statements `fn` runs."""
    seen = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.startswith("BEGIN"):  # SQLite's explicit BEGIN (pb.db) is no query
            seen.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_a_repeated_anonymous_page_costs_one_query(app, client, cycle):
    """The second visit to a public page is served from memory after one version check."""
    url = f"/cycles/{cycle.slug}/ideas"
    first = client.get(url).get_data()
    queries = _statements(app, lambda: client.get(url))
    assert client.get(url).get_data() == first
    assert queries == 1


def test_a_visitor_who_saw_a_form_still_gets_cached_pages_without_tokens(app, client, cycle):
    """After the sign-in page (a CSRF secret in the session) public pages are still served from
    the cache, and no cached page carries a form token."""
    client.get("/login")
    url = f"/cycles/{cycle.slug}/ideas"
    client.get(url)
    assert _statements(app, lambda: client.get(url)) == 1
    assert 'name="csrf_token"' not in client.get(url).get_data(as_text=True)


def test_new_idea_shows_at_once(client, make, cycle):
    """A new idea appears on the list on the very next request."""
    url = f"/cycles/{cycle.slug}/ideas"
    assert "A bench by the clinic door" not in client.get(url).get_data(as_text=True)
    _idea(make, cycle)
    assert "A bench by the clinic door" in client.get(url).get_data(as_text=True)


def test_staff_answer_shows_at_once(client, make, cycle):
    """A public answer to an idea appears on the idea page on the next request."""
    idea = _idea(make, cycle)
    url = f"/ideas/{idea.id}"
    assert "Not feasible" not in client.get(url).get_data(as_text=True)
    review_idea(actor=make.user(Role.staff), idea=idea, status=IdeaStatus.not_feasible,
                reason="The clinic landlord does not allow it.")
    db.session.commit()
    assert "The clinic landlord does not allow it." in client.get(url).get_data(as_text=True)


def test_comment_shows_at_once(client, make, cycle):
    """A resident's comment appears on the idea page on the next request."""
    idea = _idea(make, cycle)
    url = f"/ideas/{idea.id}"
    client.get(url)
    post_comment(actor=make.user(Role.resident), target=idea, body="Yes please, my knees agree.", locale="en")
    db.session.commit()
    assert "Yes please, my knees agree." in client.get(url).get_data(as_text=True)


def test_phase_change_shows_at_once(client, make, cycle):
    """Moving the cycle on changes its public page on the next request."""
    url = f"/cycles/{cycle.slug}"
    before = client.get(url).get_data(as_text=True)
    advance(actor=make.user(Role.staff), cycle=cycle, current=Phase.ideas)
    db.session.commit()
    after = client.get(url).get_data(as_text=True)
    assert before != after and "Proposal development" in after


def test_each_language_gets_its_own_page(app, cycle):
    """A Spanish visitor never gets the English page from the cache, nor the reverse."""
    english, spanish = app.test_client(), app.test_client()
    url = f"/cycles/{cycle.slug}"
    english_page = english.get(url).get_data(as_text=True)
    spanish.get("/language/es")
    spanish_page = spanish.get(url).get_data(as_text=True)
    assert 'lang="es"' in spanish_page and spanish_page != english_page
    assert english.get(url).get_data(as_text=True) == english_page
    assert app.test_client().get(url, headers={"Accept-Language": "es"}).get_data(as_text=True) == spanish_page


def test_signed_in_pages_are_never_shared(app, make, cycle):
    """A signed-in visitor's page is neither served from nor stored in the shared cache."""
    url = f"/cycles/{cycle.slug}"
    resident = make.user(Role.resident, name="Amina Quux")
    signed_in = app.test_client()
    login(signed_in, resident)
    signed_in.get(url)
    page = signed_in.get(url).get_data(as_text=True)
    anonymous = app.test_client().get(url).get_data(as_text=True)
    assert "Sign out" in page and "Sign out" not in anonymous
    assert "Sign out" in signed_in.get(url).get_data(as_text=True)


def test_flash_messages_are_never_cached(app, make, cycle):
    """A page carrying a one-time message is not shown again to anyone."""
    visitor = app.test_client()
    with visitor.session_transaction() as s:
        s["_flashes"] = [("info", "A message only for this visitor")]
    url = f"/cycles/{cycle.slug}"
    assert "A message only for this visitor" in visitor.get(url).get_data(as_text=True)
    assert "A message only for this visitor" not in visitor.get(url).get_data(as_text=True)
    assert "A message only for this visitor" not in app.test_client().get(url).get_data(as_text=True)


def test_two_app_servers_never_serve_a_stale_page(app, make, cycle, database_url):
    """A change made through one app server is on the next page another server serves."""
    other_server = make_app(database_url)
    url = f"/cycles/{cycle.slug}/ideas"
    with other_server.app_context():
        first = other_server.test_client().get(url).get_data(as_text=True)
        again = other_server.test_client().get(url).get_data(as_text=True)
    assert first == again and "Second server idea" not in first
    _idea(make, cycle, title="Second server idea")  # written through this server's session
    with other_server.app_context():
        assert "Second server idea" in other_server.test_client().get(url).get_data(as_text=True)
        db.session.remove()


def test_a_restored_or_rebuilt_database_is_never_served_old_pages(app, client, make):
    """The same audit sequence number with other data (a restore, a rebuilt database) is another
    version: the head's chain hash is part of the key, so the old page is not served."""
    make.cycle(phase=Phase.ideas, title="Riverside health fund", slug="river")
    assert "Riverside health fund" in client.get("/").get_data(as_text=True)  # rendered and kept
    _empty_all_tables()
    make.n = 0
    make.cycle(phase=Phase.ideas, title="Hillside health fund", slug="river")  # the same events, other data
    page = client.get("/").get_data(as_text=True)
    assert "Hillside health fund" in page and "Riverside" not in page


def test_a_page_under_another_path_prefix_links_under_that_prefix(app, cycle):
    """One process serving the site at / and at /pb/ (two proxies) never serves one prefix's
    links under the other."""
    url = f"/cycles/{cycle.slug}"
    root = app.test_client().get(url).get_data(as_text=True)
    prefixed = app.test_client().get(url, base_url="http://localhost/pb").get_data(as_text=True)
    assert 'href="/pb/static/' in prefixed and 'href="/static/' not in prefixed
    assert 'href="/static/' in root


def test_a_page_quotes_the_head_read_for_its_request_and_never_an_older_one(app, cycle, database_url):
    """The head read before a cacheable page is the one it quotes (no second read); a change
    in the same request (its event is flushed) makes it read the head again; and a later
    request, even one sharing the app context, never takes an earlier request's head (here
    the change is made by another app server, so nothing in this one saw it)."""
    with app.test_request_context("/audit/"):
        app.preprocess_request()
        before = head()
        assert _statements(app, lambda: request_head()) == 0 and request_head() == before
        record("test.event", actor=None, data={})  # written in this request: a newer head
        assert request_head() == head() and request_head().seq == before.seq + 1
    db.session.commit()
    with app.test_request_context("/audit/"):
        app.preprocess_request()
        kept = request_head()
    other_server = make_app(database_url)
    with other_server.app_context():
        record("test.event", actor=None, data={})
        db.session.commit()
        db.session.remove()
    db.session.commit()  # this server's next transaction sees the other's change
    with app.test_request_context("/audit/", method="POST"):  # not cacheable: the head is read now
        app.preprocess_request()
        assert request_head() == head() and request_head().seq == kept.seq + 1


def test_the_audit_page_quotes_the_current_head_after_each_change(client, make, cycle):
    """A new event shows at once on the audit page, as its head and as its newest row, and the
    page served again from memory quotes the same head."""
    client.get("/audit/")
    record("test.event", actor=make.user(Role.staff), data={})
    db.session.commit()
    newest = head()
    page = client.get("/audit/").get_data(as_text=True)
    assert f'<dd id="head-seq">{newest.seq}</dd>' in page and f'<tr id="event-{newest.seq}"' in page
    assert f"--anchor {newest.seq}:{newest.hash}" in page
    assert client.get("/audit/").get_data(as_text=True) == page
