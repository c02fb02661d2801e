"""The cycle and project pages keep their content (pb.fragments) under everything it shows: each
change below reaches the next render, even though the page was rendered before it."""

import re
from datetime import UTC, datetime

from pb import clock
from pb.audit.services import record
from pb.cycles.services import add_area, update_cycle
from pb.db import db
from pb.enums import Channel, IdeaStatus, Phase, Role, TranslationStatus
from pb.lifecycle.services import advance
from pb.proposals.services import mark_ready, review_idea, submit_idea, update_project
from pb.results.models import TallySnapshot
from pb.translations.services import review_translation, translate_field
from tests.conftest import default_schedule, open_voting
from tests.results.conftest import cast_cycle, staff_client  # noqa: F401 (fixture)
from tests.voting.conftest import voting_cycle  # noqa: F401 (fixture)


def text(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _content(page: str) -> str:
    """The page from its heading on: what the kept content shows (the <title> repeats the name)."""
    return page[page.index("<h1>"):] if "<h1>" in page else page[page.index('<main'):]


def _timeline_item(page: str, phase_name: str) -> str:
    return re.search(rf'<li[^>]*>\s*<span class="phase-name">{phase_name}</span>.*?</li>', page, re.S).group(0)


def test_cycle_page_shows_new_ideas_areas_dates_and_settings(app, make, client):
    """The idea count, a new area, a moved date, the budget and the description change the page."""
    staff = make.user(Role.staff)
    cycle = make.cycle(phase=Phase.ideas, actor=staff)
    url = f"/cycles/{cycle.slug}"
    page = text(client.get(url))
    assert "0 ideas shared so far." in page and "$100,000.00" in page and "Eastbank" not in page
    submit_idea(actor=make.user(Role.resident), cycle=cycle, title="Bus benches", body="Benches at stops. " * 3,
                category="transport", locale="en", channel=Channel.online)
    db.session.commit()
    assert "1 idea shared so far." in text(client.get(url))
    add_area(actor=staff, cycle=cycle, name="Eastbank")
    db.session.commit()
    assert ">Eastbank</span>" in text(client.get(url))
    # One change at a time, so that each would be missed if the page's key left it out.
    schedule = default_schedule() | {Phase.voting: datetime(2027, 3, 20, tzinfo=UTC)}
    for change, shown in [({"schedule": schedule}, "March 20, 2027"), ({"budget_cents": 250_000_00}, "$250,000.00"),
                          ({"currency": "EUR"}, "€250,000.00"), ({"description": "Money for clinics."}, "Money for clinics."),
                          ({"title": "Clinic money"}, "Clinic money")]:
        update_cycle(actor=staff, cycle=cycle, **change)
        db.session.commit()
        assert shown in _content(text(client.get(url))), change
    page = text(client.get(url))
    assert "March 20, 2027" in _timeline_item(page, "Proposal development")
    assert "March 20, 2027" in _timeline_item(page, "Voting")
    advance(actor=staff, cycle=cycle, current=Phase.ideas)
    db.session.commit()
    assert "<dd>Proposal development</dd>" in text(client.get(url))


def test_cycle_and_project_pages_link_to_their_own_cycle(app, make, client):
    """Two cycles that read the same in every other way still link to their own pages."""
    staff = make.user(Role.staff)
    first, second = (make.cycle(phase=Phase.ideas, actor=staff, slug=slug, title="Clinic money")
                     for slug in ("first", "second"))
    projects = [make.project(cycle, actor=staff, title="Clinic rides", cost_cents=20_000_00) for cycle in (first, second)]
    for cycle, project in zip((first, second), projects, strict=True):
        assert f'href="/cycles/{cycle.slug}/ideas"' in text(client.get(f"/cycles/{cycle.slug}"))
        assert f'href="/cycles/{cycle.slug}"' in text(client.get(f"/projects/{project.id}"))


def test_dates_follow_the_sites_time_zone(app, make, client, monkeypatch):
    """The timeline shows dates in the site's time zone (part of what the content is kept under)."""
    cycle = make.cycle(phase=Phase.ideas)
    url = f"/cycles/{cycle.slug}"
    assert "from January 1, 2027" not in text(client.get(url)) and "January 1, 2027" in text(client.get(url))
    monkeypatch.setattr(app.extensions["babel"], "default_timezone", "America/Chicago")
    record("test.touch", actor=None, obj=None, data={})  # a new page: the page cache does not key the zone
    db.session.commit()
    page = text(client.get(url))
    assert "December 31, 2026" in _timeline_item(page, "Idea collection")


def test_cycle_page_shows_the_phase_its_projects_and_the_days_left(app, make, client):
    """A new phase, a project's new cost and the next day each show on the next render."""
    staff = make.user(Role.staff)
    cycle = make.cycle(phase=Phase.development, actor=staff)
    project = make.project(cycle, actor=staff, title="Clinic rides", cost_cents=20_000_00)
    make.project(cycle, actor=staff, title="Food market")  # the ballot needs two
    url = f"/cycles/{cycle.slug}"
    page = text(client.get(url))
    assert "Clinic rides" in page and "$20,000.00" in page and "Vote now" not in page
    update_project(actor=staff, project=project, title="Clinic rides", summary=project.summary,
                   cost_cents=30_000_00, category=project.category)
    db.session.commit()
    assert "$30,000.00" in text(client.get(url))
    make.translate_and_review(project)
    mark_ready(actor=staff, project=project)
    open_voting(cycle, actor=staff)
    db.session.commit()
    closes = default_schedule()[Phase.tallying]
    with clock.frozen(datetime(2027, 3, 29, 12, tzinfo=UTC)):
        page = text(client.get(url))
    assert "Vote now" in page and "in 3 days" in page
    with clock.frozen(datetime(2027, 3, 30, 12, tzinfo=UTC)):
        assert "in 2 days" in text(client.get(url))
    with clock.frozen(closes.replace(hour=12)):
        assert "today</dd>" in text(client.get(url))


def test_cycle_page_shows_each_reader_their_language_and_links_under_the_script_root(app, make, client):
    """A reviewed translation of the title shows in Spanish only; links follow the path prefix."""
    staff = make.user(Role.staff)
    cycle = make.cycle(phase=Phase.development, actor=staff, title="Clinic money", languages=["es"])
    project = make.project(cycle, actor=staff, title="Clinic rides")
    url = f"/cycles/{cycle.slug}"
    assert "Clinic money" in text(client.get(url))
    translate_field(actor=make.user(Role.liaison), obj=cycle, field="title", locale="es", text="Dinero de la clínica")
    review_translation(actor=staff, obj=cycle, field="title", locale="es")
    db.session.commit()
    english = text(client.get(url))
    assert "Clinic money" in english and "Dinero de la clínica" not in english
    spanish = app.test_client()
    spanish.get("/language/es")
    page = text(spanish.get(url))
    assert "Dinero de la clínica" in page and "Presupuesto" in page
    assert f'href="/pb/projects/{project.id}"' not in english
    prefixed = text(client.get(url, base_url="http://localhost/pb"))
    assert f'href="/pb/projects/{project.id}"' in prefixed


def test_project_page_shows_a_new_cost_summary_and_breakdown(app, make, client):
    """The project page's content follows the project: its cost, summary and cost breakdown."""
    staff = make.user(Role.staff)
    cycle = make.cycle(phase=Phase.development, actor=staff)
    project = make.project(cycle, actor=staff, title="Clinic rides", cost_cents=20_000_00, ready=False)
    url = f"/projects/{project.id}"
    page = text(client.get(url))
    assert "$20,000.00" in page and "A van for the clinic." not in page and "Cost breakdown" not in page
    # One change at a time, so that each would be missed if the page's key left it out.
    fields = {"title": "Clinic rides", "summary": project.summary, "cost_cents": 20_000_00, "category": "food"}
    for change, shown in [({"cost_cents": 25_000_00}, "$25,000.00"), ({"summary": "A van for the clinic."}, "A van"),
                          ({"category": "transport"}, "Transport"), ({"title": "Dialysis rides"}, "Dialysis rides"),
                          ({"cost_breakdown": [{"item": "Van lease", "cents": 25_000_00}]}, "Van lease")]:
        fields |= change
        update_project(actor=staff, project=project, **fields)
        db.session.commit()
        assert shown in _content(text(client.get(url))), change
    for change, shown in [({"title": "Clinic money"}, ">Clinic money</span></a>"), ({"currency": "EUR"}, "€25,000.00")]:
        update_cycle(actor=staff, cycle=cycle, **change)
        db.session.commit()
        assert shown in text(client.get(url)), change
    assert 'href="/pb/cycles/' in text(client.get(url, base_url="http://localhost/pb"))


def test_project_page_shows_its_ideas_in_the_readers_language(app, make, client):
    """A reviewed translation of an idea behind the project shows on the project page in Spanish."""
    staff = make.user(Role.staff)
    cycle = make.cycle(phase=Phase.ideas, actor=staff, languages=["es"])
    idea = submit_idea(actor=make.user(Role.resident), cycle=cycle, title="Rides to dialysis",
                       body="Many miss dialysis. " * 3, category="transport", locale="en", channel=Channel.online)
    review_idea(actor=staff, idea=idea, status=IdeaStatus.advanced)
    project = make.project(cycle, actor=staff, title="Clinic rides", ideas=[idea])
    url = f"/projects/{project.id}"
    spanish = app.test_client()
    spanish.get("/language/es")
    page = text(spanish.get(url))
    assert f'href="/ideas/{idea.id}"' in page and "Rides to dialysis" in page
    translate_field(actor=make.user(Role.liaison), obj=idea, field="title", locale="es", text="Viajes a diálisis")
    review_translation(actor=staff, obj=idea, field="title", locale="es")
    db.session.commit()
    assert "Viajes a diálisis" in text(spanish.get(url))
    assert "Viajes a diálisis" not in text(client.get(url))
    assert f'href="/pb/ideas/{idea.id}"' in text(client.get(url, base_url="http://localhost/pb"))


def test_pages_show_the_result_once_it_is_published(app, make, cast_cycle, client):  # noqa: F811
    """Before publication neither page shows an outcome; after it, both do."""
    cycle, ids = cast_cycle
    cycle_url, project_url = f"/cycles/{cycle.slug}", f"/projects/{ids[3]}"
    assert "badge-funded" not in text(client.get(cycle_url)) and 'id="outcome"' not in text(client.get(project_url))
    first, token = staff_client(app, make)
    first.post(f"/admin/cycles/{cycle.slug}/advance", data={"csrf_token": token, "current": "voting"})
    first.post(f"/admin/cycles/{cycle.slug}/count", data={"csrf_token": token})
    snapshot = db.session.query(TallySnapshot).one()
    second, token = staff_client(app, make)
    assert second.post(f"/admin/count/{snapshot.id}/publish", data={"csrf_token": token}).status_code == 302
    page = text(client.get(cycle_url))
    assert "Projects and the result of the vote" in page and "badge-funded" in page
    page = text(client.get(project_url))
    assert 'id="outcome"' in page and "points." in page


def test_home_page_shows_each_change_to_a_cycle(app, make, client):
    """The list of cycles follows a new cycle, its title, budget, currency and phase, the
    reader's language and the path prefix, although it was rendered before."""
    staff = make.user(Role.staff)
    cycle = make.cycle(phase=Phase.ideas, actor=staff, title="Clinic money", languages=["es"])
    assert "Clinic money" in text(client.get("/")) and "$100,000.00" in text(client.get("/"))
    for change, shown in [({"title": "Health money"}, ">Health money</span>"), ({"budget_cents": 250_000_00}, "$250,000.00"),
                          ({"currency": "EUR"}, "€250,000.00")]:
        update_cycle(actor=staff, cycle=cycle, **change)
        db.session.commit()
        assert shown in text(client.get("/")), change
    advance(actor=staff, cycle=cycle, current=Phase.ideas)
    db.session.commit()
    assert "Proposal development." in text(client.get("/"))
    translate_field(actor=make.user(Role.liaison), obj=cycle, field="title", locale="es", text="Dinero de salud")
    review_translation(actor=staff, obj=cycle, field="title", locale="es")
    db.session.commit()
    spanish = app.test_client()
    spanish.get("/language/es")
    assert "Dinero de salud" in text(spanish.get("/")) and "Dinero de salud" not in text(client.get("/"))
    assert f'href="/pb/cycles/{cycle.slug}"' in text(client.get("/", base_url="http://localhost/pb"))
    other = make.cycle(phase=Phase.ideas, actor=staff, title="Second cycle")
    assert f'href="/cycles/{other.slug}"' in text(client.get("/"))


def _ballot_title(page: str, project) -> str:
    """The title on a project's card in the cycle page's list, with its language and pending mark."""
    found = re.search(rf'<a href="[^"]*/projects/{project.id}">\s*<span lang="([^"]*)"[^>]*class="user-text( pending)?">'
                      r'([^<]*)</span>', page)
    return f"{found.group(3)} [{found.group(1)}]" + (" (pending)" if found.group(2) else "")


def test_ballot_cards_show_a_reviewed_translation_of_the_title_as_it_reads_now(app, make, client):
    """The cycle page's projects show the title as every other page does (pb.i18n.content.Localized):
    the original in its own language, a reviewed translation of the title as it reads now, else
    the original marked pending; never another field's or another object's translation."""
    from pb.i18n.content import Localized
    from pb.i18n.models import ContentTranslation
    from pb.proposals.queries import ballot_cards, ballot_projects

    staff = make.user(Role.staff)
    cycle = make.cycle(phase=Phase.development, actor=staff, languages=["es", "vi"])
    rides = make.project(cycle, actor=staff, title="Clinic rides")  # reviewed in es and vi: "Clinic rides [es]"
    market = make.project(cycle, actor=staff, title="Food market")
    url = f"/cycles/{cycle.slug}"
    spanish = app.test_client()
    spanish.get("/language/es")
    assert _ballot_title(text(spanish.get(url)), rides) == "Clinic rides [es] [es]"
    assert _ballot_title(text(client.get(url)), rides) == "Clinic rides [en]"
    # The market's Spanish title back to unreviewed; the rides' Vietnamese title translated from
    # an older title (stale). Their summaries' reviewed translations stay and must not show as titles.
    rows = {(row.object_id, row.field, row.locale): row for row in db.session.query(ContentTranslation)
            .filter(ContentTranslation.object_type == "Project")}
    rows[(market.id, "title", "es")].status = TranslationStatus.human
    rows[(rides.id, "title", "vi")].source_text = "Clinic trips"
    record("test.touch", actor=None, obj=None, data={})  # a new page (changed behind the services' back)
    db.session.commit()
    assert _ballot_title(text(spanish.get(url)), market) == "Food market [en] (pending)"
    assert _ballot_title(text(spanish.get(url)), rides) == "Clinic rides [es] [es]"
    vietnamese = app.test_client()
    vietnamese.get("/language/vi")
    assert _ballot_title(text(vietnamese.get(url)), rides) == "Clinic rides [en] (pending)"
    assert _ballot_title(text(vietnamese.get(url)), market) == "Food market [vi] [vi]"
    # The same titles as Localized gives the full objects, in the ballot's order, in every language.
    projects = ballot_projects(cycle)
    for locale in ("en", "es", "vi", "ar"):
        tr = Localized(projects, locale)
        assert [(card.id, card.title, card.cost_cents) for card in ballot_cards(cycle, locale)] == \
               [(p.id, tr(p, "title"), p.cost_cents) for p in projects], locale
