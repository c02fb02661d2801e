"""The audit page reads whole events (with their data) only for rows it has not rendered yet,
at most twice a page; its filters and labels still follow each request."""

from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import event

from pb.audit.services import record
from pb.db import db
from pb.enums import Phase, Role
from pb.lifecycle.services import advance
from tests.conftest import open_voting


def rows(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="event-(\d+)"', html)]


@contextmanager
def whole_event_reads():
    """The statements that read events' data while the block runs."""
    statements: list[str] = []

    def before(_conn, _cursor, statement, *_args):
        if "audit_event.data" in statement:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def test_whole_events_are_read_only_for_new_rows_and_at_most_twice(app, client):
    """A page of 50 rows never rendered reads their data in two statements; after one new event,
    the next render reads that event alone; every row shows its own data."""
    app.config["PAGE_CACHE"] = False  # this test counts what a render costs, not a cache hit
    for i in range(60):
        record("test.event", actor=None, data={"i": i})
    db.session.commit()
    with whole_event_reads() as reads:
        page = client.get("/audit/").get_data(as_text=True)
    assert rows(page) == list(range(60, 10, -1)) and len(reads) == 2
    assert '<code class="data">{"i": 59}</code>' in page and '{"i": 10}' in page
    record("test.event", actor=None, data={"i": "new"})
    db.session.commit()
    with whole_event_reads() as reads:
        page = client.get("/audit/").get_data(as_text=True)
    assert rows(page) == list(range(61, 11, -1)) and len(reads) == 1
    assert '{"i": "new"}' in page
    with whole_event_reads() as reads:
        assert rows(client.get("/audit/?page=2").get_data(as_text=True)) == list(range(11, 0, -1))
    assert len(reads) == 2


def test_rows_and_filters_are_in_each_readers_language(app, make):
    """The same rows read in English, then in Spanish, then in English again."""
    make.cycle()
    record("user.role", actor=make.user(Role.staff), data={})
    db.session.commit()
    english, spanish = app.test_client(), app.test_client()
    spanish.get("/language/es")
    first = english.get("/audit/").get_data(as_text=True)
    assert "Cycle created" in first and "<td>Staff #" in first and '<option value="Cycle">Cycle</option>' in first
    page = spanish.get("/audit/").get_data(as_text=True)
    assert "Ciclo creado" in page and "<td>Personal #" in page and "Cycle created" not in page
    assert '<option value="cycle.create">Ciclo creado</option>' in page
    assert english.get("/audit/").get_data(as_text=True) == first


def test_a_filter_value_not_on_offer_matches_nothing(client, make):
    """An action or object the log does not hold lists no event, alone or with a real filter;
    an offered one lists exactly its events."""
    make.cycle(), make.cycle()
    created = rows(client.get("/audit/?action=cycle.create").get_data(as_text=True))
    assert len(created) == 2
    for query in ("action=no.such", "object=Nothing", "action=cycle.create&object=Nothing"):
        page = client.get(f"/audit/?{query}").get_data(as_text=True)
        assert rows(page) == [] and "No events match these filters." in page, query
    assert rows(client.get("/audit/?action=cycle.create&object=Cycle").get_data(as_text=True)) == created


def test_rows_kept_together_show_their_details_once_voting_closes(make, client):
    """Twenty withheld rows (two full blocks of rows kept together) show their details after the
    close, though they were rendered, and kept, before it."""
    cycle = make.cycle(phase=Phase.development)
    make.project(cycle), make.project(cycle)
    open_voting(cycle)
    for i in range(20):
        record("codes.void", actor=None, obj=cycle, data={"batch": f"sheet-{i}"})
    db.session.commit()
    page = client.get("/audit/").get_data(as_text=True)
    assert page.count("Details are hidden until voting closes") == 20 and "sheet-" not in page
    advance(actor=make.user(Role.staff), cycle=cycle, current=Phase.voting)
    db.session.commit()
    page = client.get("/audit/").get_data(as_text=True)
    assert "Details are hidden" not in page and all(f'"sheet-{i}"' in page for i in range(20))
