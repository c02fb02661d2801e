"""The public results page's body is rendered once and kept (pb.fragments) under a key holding
all it shows: whatever changes shows on the next render, each language and path prefix gets
its own body, and the audit log's head is always the current one."""

from sqlalchemy import select

from pb.audit.services import head, record
from pb.db import db
from pb.enums import Role, TallyStatus, TranslationStatus
from pb.i18n.content import set_translation
from pb.results.models import TallySnapshot
from tests.results.conftest import staff_client
from tests.results.test_reading import _block, _words, decided  # noqa: F401  (fixture)
from tests.test_query_counts import counting


def _page(client, cycle, **kwargs) -> str:
    response = client.get(f"/cycles/{cycle.slug}/results", **kwargs)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _changed(make, obj) -> None:
    """Commit a change made straight in the database, audited as staff changes are (which is
    also what tells the page cache that pages are out of date)."""
    record("project.update", actor=make.user(Role.staff), obj=obj, data={})
    db.session.commit()


def test_the_head_anchor_is_current_while_the_body_is_kept(decided, make, client):  # noqa: F811
    """Every render quotes the log's head as it is then, not the one of the first render."""
    cycle, projects, _ = decided
    assert f"{head().seq}:{head().hash}" in _page(client, cycle)
    _changed(make, projects["A"])
    page = _page(client, cycle)
    assert f'<code class="hash" id="head-anchor">{head().seq}:{head().hash}</code>' in page


def test_a_project_recosted_or_renamed_in_the_database_shows_so(decided, make, client):  # noqa: F811
    """A funded project's new cost, then its new name, appear in the funded list on the next render."""
    cycle, projects, _ = decided
    assert "Project D · $40,000.00" in _words(_block(_page(client, cycle), "funded"))
    projects["D"].cost_cents = 41_000_00
    _changed(make, projects["D"])
    assert "Project D · $41,000.00" in _words(_block(_page(client, cycle), "funded"))
    projects["D"].title = "Skate park"
    _changed(make, projects["D"])
    funded = _words(_block(_page(client, cycle), "funded"))
    assert "Skate park · $41,000.00" in funded and "Project D" not in funded


def test_a_renamed_area_shows_so(decided, make, client):  # noqa: F811
    """Results by area read the area's name as it is now."""
    cycle, projects, _ = decided
    north = projects["A"].area
    assert north.name in _block(_page(client, cycle), "area-table")
    north.name = "Riverside"
    _changed(make, cycle)
    assert "Riverside" in _block(_page(client, cycle), "area-table")


def test_area_names_are_shown_in_the_readers_language(decided, make, client):  # noqa: F811
    """A reviewed Spanish name of an area is what a Spanish reader sees in "Results by area"
    (the page used to show every area under its original name); an English reader still sees
    the original."""
    cycle, projects, _ = decided
    north = projects["A"].area
    set_translation(obj=north, field="name", locale="es", text="Norte del río", translator=make.user(Role.staff),
                    status=TranslationStatus.reviewed)
    _changed(make, cycle)
    assert north.name in _block(_page(client, cycle), "area-table")
    client.get("/language/es")
    spanish = _block(_page(client, cycle), "area-table")
    assert "Norte del río" in spanish and north.name not in spanish


def test_a_renamed_cycle_shows_so(decided, make, client):  # noqa: F811
    """The link back to the cycle reads the cycle's name as it is now."""
    cycle, _, _ = decided
    assert cycle.title in _page(client, cycle)
    cycle.title = "Budget vote of the riverside"
    _changed(make, cycle)
    assert ">Budget vote of the riverside</a>" in _page(client, cycle)


def test_a_corrected_result_replaces_the_kept_one(decided, app, make, client):  # noqa: F811
    """Once a correction is published the page shows it, though the first result was kept."""
    cycle, _, _ = decided
    assert "This result corrects an earlier one" not in _page(client, cycle)
    staff, token = staff_client(app, make)
    staff.post(f"/admin/cycles/{cycle.slug}/count", data={"csrf_token": token, "reason": "A batch was missing."})
    new = db.session.scalars(select(TallySnapshot).filter_by(status=TallyStatus.provisional)).one()
    other, token2 = staff_client(app, make)
    assert other.post(f"/admin/count/{new.id}/publish", data={"csrf_token": token2}).status_code == 302
    assert "A batch was missing." in _page(client, cycle)


def test_each_language_and_path_prefix_gets_its_own_body(decided, app):  # noqa: F811
    """English, then Spanish, then English again; links carry the prefix the site is served under."""
    cycle, _, _ = decided
    english, spanish = app.test_client(), app.test_client()
    spanish.get("/language/es")
    first = _page(english, cycle)
    assert "Funded projects" in first and "Funded projects" not in _page(spanish, cycle)
    assert _page(english, cycle) == first
    prefixed = _page(english, cycle, base_url="http://localhost/vote/")
    assert f'href="/vote/cycles/{cycle.slug}/results/check"' in prefixed
    assert f'href="/cycles/{cycle.slug}/results/check"' not in prefixed


def test_a_new_event_reuses_the_kept_body(decided, make, client):  # noqa: F811
    """A change elsewhere moves only the anchors: the next render does not read the result again."""
    cycle, projects, _ = decided
    _page(client, cycle)
    _changed(make, projects["A"])
    with counting() as statements:
        page = _page(client, cycle)
    assert f"{head().seq}:{head().hash}" in page
    assert not [s for s in statements if "tally_snapshot.result" in s]
