"""Pieces of pages kept between renders (pb.fragments, and the form widgets of pb.forms) never
show one visitor's state to another, and change as soon as what they show changes."""

import re

from flask_babel import force_locale
from sqlalchemy import select

from pb import forms, fragments
from pb.audit.models import AuditEvent
from pb.audit.services import record
from pb.cycles.models import Area
from pb.db import db
from pb.enums import IdeaStatus, Phase, Role
from pb.fragments import fragment
from pb.lifecycle.services import advance
from pb.proposals.services import review_idea, submit_idea, update_project
from tests.conftest import csrf_from, open_voting
from tests.voting.conftest import codes, enter_code, voting_cycle  # noqa: F401, F811 (fixtures)


def _selected(page: str, select: str) -> list[str]:
    """The values marked selected in one <select> of a page."""
    block = re.search(rf'<select[^>]*name="{select}".*?</select>', page, re.S).group(0)
    return [re.search(r'value="([^"]*)"', attrs).group(1) for attrs in re.findall(r"<option ([^>]*)>", block)
            if re.search(r"\bselected\b", attrs)]


def test_filter_lists_show_each_request_its_own_choice_and_language(app, make):
    cycle = make.cycle(phase=Phase.ideas)
    client = app.test_client()
    url = f"/cycles/{cycle.slug}/ideas"
    assert _selected(client.get(f"{url}?status=advanced").get_data(as_text=True), "status") == ["advanced"]
    assert _selected(client.get(f"{url}?status=merged").get_data(as_text=True), "status") == ["merged"]
    assert _selected(client.get(url).get_data(as_text=True), "status") == []
    spanish = app.test_client()
    spanish.get("/language/es")
    page = spanish.get(f"{url}?status=merged").get_data(as_text=True)
    assert '<option value="">Todo</option>' in page and _selected(page, "status") == ["merged"]


def test_a_neighbourhood_added_to_a_cycle_appears_in_its_filter_list(app, make):
    cycle = make.cycle(phase=Phase.ideas)
    client, url = app.test_client(), f"/cycles/{cycle.slug}/ideas"
    assert "Eastbank" not in client.get(url).get_data(as_text=True)
    cycle.areas.append(Area(slug="eastbank", name="Eastbank", locale="en"))
    record("cycle.update", actor=make.user(Role.staff), obj=cycle, data={})
    db.session.commit()
    assert '<option value="eastbank">Eastbank</option>' in client.get(url).get_data(as_text=True)


def test_an_audit_row_shows_its_details_once_voting_closes(app, make, client):
    """A count-revealing event is hidden while its cycle votes; the same row shows its
    details after the close, though the row was rendered before."""
    cycle = make.cycle(phase=Phase.development)
    make.project(cycle), make.project(cycle)
    open_voting(cycle)
    record("codes.void", actor=None, obj=cycle, data={"batch": "sheet-7"})
    db.session.commit()
    page = client.get("/audit/").get_data(as_text=True)
    assert "Details are hidden until voting closes" in page and "sheet-7" not in page
    advance(actor=make.user(Role.staff), cycle=cycle, current=Phase.voting)
    db.session.commit()
    page = client.get("/audit/").get_data(as_text=True)
    assert "sheet-7" in page


def test_an_audit_row_links_to_a_cycle_once_it_is_public(app, make, client):
    """The row of a draft cycle's creation gains its link when the cycle is published."""
    cycle = make.cycle(phase=Phase.draft)
    created = db.session.scalars(select(AuditEvent.seq).filter_by(action="cycle.create", object_id=str(cycle.id))).one()

    def row() -> str:
        page = client.get("/audit/?object=Cycle").get_data(as_text=True)
        return re.search(rf'<tr id="event-{created}">.*?</tr>', page, re.S).group(0)
    assert "<a href" not in row()
    advance(actor=make.user(Role.staff), cycle=cycle, current=Phase.draft)
    db.session.commit()
    assert f'<a href="/cycles/{cycle.slug}">' in row()


def test_each_ballot_shows_its_own_ranks_and_mistakes(app, voting_cycle, codes):  # noqa: F811
    cycle, ids = voting_cycle
    first, second = app.test_client(), app.test_client()
    token = enter_code(first, cycle, codes[0])
    page = first.post(f"/cycles/{cycle.slug}/ballot",
                      data={f"rank-{ids[0]}": "9", f"rank-{ids[1]}": "1", "step": "review", "csrf_token": token})
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and f'id="rank-{ids[0]}-error"' in html and f'id="rank-{ids[1]}-error"' not in html
    assert _selected(html, f"rank-{ids[1]}") == ["1"]
    # Another voter, another mistake: nothing of the first ballot is shown.
    token = enter_code(second, cycle, codes[1])
    html = second.post(f"/cycles/{cycle.slug}/ballot", data={f"rank-{ids[0]}": "2", f"rank-{ids[1]}": "x", "step": "review",
                                                            "csrf_token": token}).get_data(as_text=True)
    assert f'id="rank-{ids[1]}-error"' in html and f'id="rank-{ids[0]}-error"' not in html
    assert _selected(html, f"rank-{ids[0]}") == ["2"] and _selected(html, f"rank-{ids[1]}") == []
    # A fresh ballot marks nothing, and a Spanish one is in Spanish.
    third = app.test_client()
    third.get("/language/es")
    enter_code(third, cycle, codes[2])
    html = third.get(f"/cycles/{cycle.slug}/ballot").get_data(as_text=True)
    assert "has-error" not in html and "ballot-error" not in html
    assert "Puesto 1" in html and all(_selected(html, f"rank-{i}") == [] for i in ids)


def test_an_ideas_new_status_shows_on_its_card_in_the_list(app, make, client):
    cycle = make.cycle(phase=Phase.ideas)
    resident = make.user(Role.resident)
    idea = submit_idea(actor=resident, author=resident, cycle=cycle, title="Shade over the bus stop",
                       body="It is hot in summer.", category="health_access", locale="en", area=cycle.areas[0])
    db.session.commit()
    url = f"/cycles/{cycle.slug}/ideas"

    def card() -> str:
        page = client.get(url).get_data(as_text=True)
        return re.search(r'<li class="card">(?:(?!</li>).)*Shade over the bus stop.*?</li>', page, re.S).group(0)
    assert "Not feasible" not in card()
    review_idea(actor=make.user(Role.staff), idea=idea, status=IdeaStatus.not_feasible, reason="The city owns it.")
    db.session.commit()
    assert "Not feasible" in card()


def test_a_projects_new_cost_shows_on_the_cycle_page(app, make, client):
    cycle = make.cycle(phase=Phase.development)
    project = make.project(cycle, cost_cents=12_000_00, title="Water fountain")
    assert "$12,000.00" in client.get(f"/cycles/{cycle.slug}").get_data(as_text=True)
    update_project(actor=make.user(Role.staff), project=project, title="Water fountain", summary=project.summary,
                   cost_cents=15_500_00, category=project.category)
    db.session.commit()
    page = client.get(f"/cycles/{cycle.slug}").get_data(as_text=True)
    assert "$15,500.00" in page and "$12,000.00" not in page


def test_what_a_visitor_types_is_never_kept(app):
    """Sign-in attempts (a password, an overlong email) and search words leave nothing in the
    widget store: a typed password would otherwise stay in server memory, and long values
    would fill it."""
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    before = dict(forms._RENDERED)
    for i in range(30):
        client.post("/login", data={"email": f"{i}@" + "a" * 5000, "password": f"MySecretPassw0rd!{i}",
                                    "csrf_token": token})
    kept = [key for key in forms._RENDERED if key not in before]
    assert not any("MySecretPassw0rd" in repr(key) or "a" * 5000 in repr(key) for key in forms._RENDERED)
    assert len(kept) <= 2  # at most the empty fields' own entries, not one per attempt


def test_junk_filter_values_add_nothing_to_the_fragment_store(app, make, client):
    make.cycle(phase=Phase.ideas)
    client.get("/audit/")
    store = app.extensions["pb_fragments"]
    size = len(store)
    for i in range(20):
        client.get(f"/audit/?action=junk{i}&object=junk{i}")
    assert len(store) == size


def test_made_up_ranks_add_no_ballot_cards(app, voting_cycle, codes):  # noqa: F811
    cycle, ids = voting_cycle
    client = app.test_client()
    token = enter_code(client, cycle, codes[0])
    store = app.extensions["pb_fragments"]
    client.post(f"/cycles/{cycle.slug}/ballot", data={f"rank-{ids[0]}": "1000", "step": "review", "csrf_token": token})
    size = len(store)
    for rank in range(1001, 1021):
        page = client.post(f"/cycles/{cycle.slug}/ballot",
                           data={f"rank-{ids[0]}": str(rank), "step": "review", "csrf_token": token})
        assert page.status_code == 400 and f'id="rank-{ids[0]}-error"' in page.get_data(as_text=True)
    assert len(store) == size


def test_a_fragment_follows_a_language_change_within_a_request(app):
    """The language a fragment is kept under is worked out once per request, yet a switch in
    the middle of it (force_locale, as mail in the reader's language does) gets the other
    language's piece, and the request's own language again afterwards."""
    with app.test_request_context("/"):
        assert fragments._language() == "en"
        with force_locale("es"):
            assert fragments._language() == "es"
            spanish = fragment("audit/_parts.html", "filters", ("test",), [], [], str, [], str, {})
        assert fragments._language() == "en"
        english = fragment("audit/_parts.html", "filters", ("test",), [], [], str, [], str, {})
    assert "Todo" in spanish and "Todo" not in english and "All" in english
