"""Idea pages for each role: residents share, liaisons enter paper ideas, staff review and cost,
everyone reads what became of every idea."""

import re

import pytest
from sqlalchemy import select

from pb.db import db
from pb.enums import Channel, IdeaStatus, Phase, ProgressStatus, Role, TranslationStatus
from pb.i18n.content import set_translation
from pb.proposals.models import Idea, Project
from pb.proposals.services import review_idea
from pb.results.models import ProgressUpdate
from pb.translations.services import review_translation, translate_field
from tests.conftest import csrf_from, login, open_voting
from tests.proposals.conftest import count, form, idea


def post_idea(client, cycle, path="new", **overrides):
    url = f"/cycles/{cycle.slug}/ideas/{path}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(url, data=form(**overrides) | {"csrf_token": token})


def post_staff(client, url, data):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post(url, data=data | {"csrf_token": token})


def text(response) -> str:
    return response.get_data(as_text=True)


# ---- submitting ------------------------------------------------------------------------

def test_resident_shares_an_idea_and_sees_its_public_page(client, make, cycle):
    """A signed-in resident's idea is stored once and its page shows it with its status."""
    login(client, make.user(Role.resident))
    response = post_idea(client, cycle, title="Frutas frescas en la escuela", locale="es",
                         body="Una tienda de frutas frescas cada semana en la escuela.")
    assert response.status_code == 302
    page = text(client.get(response.location))
    assert "Frutas frescas en la escuela" in page and "Written in Español" in page and "Submitted" in page
    assert db.session.scalars(select(Idea.locale)).one() == "es"


@pytest.mark.parametrize("overrides, message", [
    ({"title": ""}, "Title is required."),
    ({"body": "too short"}, "Description needs between 20 and 4000 characters."),
    ({"body": "b" * 5000}, "Description needs between 20 and 4000 characters."),
    ({"category": "weapons"}, "Choose a category from the list."),
    ({"area": "atlantis"}, "Choose an area from the list."),
    ({"locale": "tlh"}, "Choose a language from the list."),
    ({"title": "<script>alert('x')</script>"}, "Title cannot contain HTML tags such as &lt;script&gt;"),
])
def test_bad_idea_input_gets_a_message_and_changes_nothing(client, make, cycle, overrides, message):
    """Each bad field is refused with its own message, shown next to the field; nothing is stored."""
    login(client, make.user(Role.resident))
    response = post_idea(client, cycle, **overrides)
    assert response.status_code == 400 and message in text(response)
    assert "<script>alert" not in text(response)
    assert count(Idea) == 0


def test_wrong_phase_is_refused_with_a_message(client, make):
    """Outside idea collection the form is not offered and a posted idea is refused."""
    cycle = make.cycle(phase=Phase.development)
    login(client, make.user(Role.resident))
    assert "This cycle is not collecting ideas now." in text(client.get(f"/cycles/{cycle.slug}/ideas/new"))
    token = csrf_from(text(client.get("/login")))
    response = client.post(f"/cycles/{cycle.slug}/ideas/new", data=form() | {"csrf_token": token})
    assert response.status_code == 400 and "This cycle is not collecting ideas now." in text(response)
    assert count(Idea) == 0


def test_duplicate_and_rate_limit_from_the_form(app, client, make, cycle):
    """The same idea twice is refused; past the hourly limit the answer is 429 with a message."""
    app.config["IDEA_HOURLY_LIMIT"] = 2
    login(client, make.user(Role.resident))
    assert post_idea(client, cycle).status_code == 302
    again = post_idea(client, cycle)
    assert again.status_code == 400 and "already been submitted" in text(again)
    assert post_idea(client, cycle, title="A second idea").status_code == 302
    third = post_idea(client, cycle, title="A third idea")
    assert third.status_code == 429 and "Please wait a while" in text(third)
    assert count(Idea) == 2


def test_anonymous_visitors_only_read_unless_the_cycle_allows_anonymous_ideas(client, make, cycle):
    """Anonymous visitors get a sign-in prompt and their post is refused; the lists stay readable."""
    page = text(client.get(f"/cycles/{cycle.slug}/ideas/new"))
    assert "Sign in to share an idea in this cycle" in page and 'name="title"' not in page
    response = post_staff(client, f"/cycles/{cycle.slug}/ideas/new", form())
    assert response.status_code == 400 and "Sign in to share" in text(response) and count(Idea) == 0
    assert client.get(f"/cycles/{cycle.slug}/ideas").status_code == 200


def test_anonymous_idea_with_private_contact(client, make):
    """Where allowed, an anonymous idea is public but its contact is not; one session cannot repeat it."""
    cycle = make.cycle(allow_anonymous_ideas=True)
    response = post_idea(client, cycle, contact="maria@example.org")
    assert response.status_code == 302
    assert "maria@example.org" not in text(client.get(response.location))
    assert db.session.scalars(select(Idea.contact)).one() == "maria@example.org"
    assert post_idea(client, cycle).status_code == 400
    assert count(Idea) == 1


def test_liaison_enters_a_kiosk_idea_for_a_resident(client, make, cycle):
    """A liaison's entry is tagged with the channel and the liaison; the page says how it came in."""
    liaison = make.user(Role.liaison)
    login(client, liaison)
    response = post_idea(client, cycle, path="new/on-behalf", channel="kiosk", contact="call 555-0101")
    assert response.status_code == 302
    stored = db.session.scalars(select(Idea)).one()
    assert (stored.channel, stored.entered_by_id, stored.author_id) == (Channel.kiosk, liaison.id, None)
    page = text(client.get(response.location))
    assert "Shared at a kiosk with a community liaison" in page and "555-0101" not in page


@pytest.mark.parametrize("role", [Role.resident, Role.observer])
def test_residents_and_observers_cannot_enter_ideas_for_others(client, make, cycle, role):
    """The on-behalf form is for liaisons and staff only."""
    login(client, make.user(role))
    assert client.get(f"/cycles/{cycle.slug}/ideas/new/on-behalf").status_code == 403


# ---- reading ---------------------------------------------------------------------------

def test_list_filters_search_counts_and_pages(client, make, cycle, staff):
    """Filters by category, area, status and language, searches translations too, counts per
    status, pages by 20 and keeps filters on the next page."""
    resident = make.user(Role.resident)
    spanish = idea(cycle, resident, title="Huerto comunitario", locale="es", category="food", area="south",
                   body="Un huerto para el barrio con clases de cocina.")
    set_translation(obj=spanish, field="title", locale="en", text="Community vegetable garden",
                    status=TranslationStatus.reviewed)
    for n in range(22):
        idea(cycle, resident, title=f"Bus shelter number {n}", status=IdeaStatus.not_feasible if n < 3 else None,
             reviewer=staff)
    db.session.commit()
    base = f"/cycles/{cycle.slug}/ideas"
    assert "Community vegetable garden" in text(client.get(base + "?category=food"))
    assert "Bus shelter" not in text(client.get(base + "?category=food"))
    assert "23 ideas found." in text(client.get(base))
    assert "1 idea found." in text(client.get(base + "?language=es&area=south"))
    assert "1 idea found." in text(client.get(base + "?q=vegetable"))  # the English translation
    assert "1 idea found." in text(client.get(base + "?q=HUERTO"))
    assert "0 ideas found." in text(client.get(base + "?q=%25"))  # a literal %, not a wildcard
    page = text(client.get(base + "?status=not_feasible"))
    assert "3 ideas found." in page and "Not feasible: 3" in page and "Submitted: 20" in page
    first = text(client.get(base + "?q=shelter"))
    assert "Page 1 of 2" in first and "q=shelter" in re.search(r'href="([^"]+)" rel="next"', first).group(1)


def test_forged_filters_are_ignored_not_errors(client, make, cycle):
    """Unknown filter values and huge page numbers give a normal page, never a server error."""
    url = f"/cycles/{cycle.slug}/ideas?status=<b>&category=x&area=nowhere&language=zz&page=99999&q=" + "q" * 500
    response = client.get(url)
    assert response.status_code == 200 and "<b>" not in text(response)


def test_spanish_idea_to_an_english_reader_shows_original_language(client, make, cycle):
    """An untranslated idea shows in its own language, marked as pending; a translated one shows
    the translation with the original one click away."""
    resident = make.user(Role.resident)
    item = idea(cycle, resident, title="Frutas en la escuela", locale="es",
                body="Una tienda de frutas frescas cada semana.")
    page = text(client.get(f"/ideas/{item.id}"))
    assert 'lang="es"' in page and "Shown in Español; translation pending." in page
    translator, reviewer = make.user(Role.liaison), make.user(Role.staff)
    for field, words in (("title", "Fruit at school"), ("body", "A fresh fruit stand every week.")):
        # through the audited services, as in use: the new audit head refreshes the cached page
        translate_field(actor=translator, obj=item, field=field, locale="en", text=words)
        review_translation(actor=reviewer, obj=item, field=field, locale="en")
    db.session.commit()
    page = text(client.get(f"/ideas/{item.id}"))
    assert "Fruit at school" in page and "Original text in Español" in page and "Frutas en la escuela" in page


def test_idea_text_is_escaped(client, make, cycle):
    """Quotes and ampersands in ideas are shown as text, never as markup."""
    item = idea(cycle, make.user(Role.resident), title='Rides & "walks"',
                body="Rent < income & \"fair\" rents for everyone here.")
    page = text(client.get(f"/ideas/{item.id}"))
    assert "Rides &amp; &#34;walks&#34;" in page and "Rent &lt; income &amp;" in page


def test_ideas_of_draft_cycles_are_hidden(client, make):
    """A cycle still being prepared has no public idea pages."""
    cycle = make.cycle(phase=Phase.draft)
    assert client.get(f"/cycles/{cycle.slug}/ideas").status_code == 404


# ---- reviewing -------------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.resident, Role.liaison, Role.observer])
def test_only_staff_review(client, make, cycle, role):
    """Residents, liaisons and observers cannot open or post the review pages."""
    item = idea(cycle, make.user(Role.resident))
    login(client, make.user(role))
    assert client.get(f"/admin/ideas/{item.id}/review").status_code == 403
    assert client.get(f"/admin/cycles/{cycle.slug}/ideas").status_code == 403
    response = post_staff(client, f"/admin/ideas/{item.id}/review", {"status": "not_eligible", "reason": "No."})
    assert response.status_code == 403
    assert db.session.get(Idea, item.id).status == IdeaStatus.submitted


def test_staff_reject_with_reason_shows_on_the_public_timeline(client, make, cycle, staff):
    """A staff decision and its reason appear on the idea's page and timeline."""
    item = idea(cycle, make.user(Role.resident))
    login(client, staff)
    assert item.title in text(client.get(f"/admin/cycles/{cycle.slug}/ideas"))
    response = post_staff(client, f"/admin/ideas/{item.id}/review",
                          {"status": "not_eligible", "reason": "The fund does not pay for roads."})
    assert response.status_code == 302
    page = text(client.get(f"/ideas/{item.id}"))
    assert "Not eligible" in page and page.count("The fund does not pay for roads.") == 2  # answer + timeline
    assert "Status changed to “Not eligible”" in page


@pytest.mark.parametrize("data, message", [
    ({"status": "not_feasible", "reason": ""}, "Give the public a reason for this decision."),
    ({"status": "merged", "reason": "Same idea.", "merged_into": ""}, "Choose another idea of this cycle"),
    ({"status": "submitted", "reason": ""}, "Choose the idea&#39;s new status."),
    ({"status": "bogus", "reason": ""}, "Choose the idea&#39;s new status."),
    ({"status": "not_feasible", "reason": "<script>x</script>"}, "cannot contain HTML tags"),
])
def test_bad_review_is_refused_and_changes_nothing(client, make, cycle, staff, data, message):
    """A review without its reason, a target or a real status is refused with a message."""
    item = idea(cycle, make.user(Role.resident))
    login(client, staff)
    response = post_staff(client, f"/admin/ideas/{item.id}/review", data)
    assert response.status_code == 400 and message in text(response)
    assert db.session.get(Idea, item.id).status == IdeaStatus.submitted


def test_merge_from_the_review_page_links_both_pages(client, make, cycle, staff):
    """After a merge each idea's page links to the other."""
    resident = make.user(Role.resident)
    kept, merged = idea(cycle, resident), idea(cycle, resident, title="Night rides to dialysis")
    login(client, staff)
    response = post_staff(client, f"/admin/ideas/{merged.id}/review",
                          {"status": "merged", "reason": "Same need.", "merged_into": str(kept.id)})
    assert response.status_code == 302
    assert f'href="/ideas/{kept.id}"' in text(client.get(f"/ideas/{merged.id}"))
    assert f'href="/ideas/{merged.id}"' in text(client.get(f"/ideas/{kept.id}"))


def test_ideas_merged_into_one_are_listed_oldest_first(client, make, cycle, staff):
    """The idea page lists the ideas merged into it in the order they were shared, on every
    database (the page reads them in one statement with the idea's earlier versions)."""
    resident = make.user(Role.resident)
    kept = idea(cycle, resident, title="Rides to the clinic at night")
    merged = [idea(cycle, resident, title=f"Night rides number {n}") for n in range(3)]
    for other in reversed(merged):
        review_idea(actor=staff, idea=other, status=IdeaStatus.merged, reason="Same need.", merged_into=kept)
    db.session.commit()
    page = text(client.get(f"/ideas/{kept.id}"))
    assert re.findall(r"Night rides number (\d)", page) == ["0", "1", "2"]


@pytest.mark.parametrize("target", ["²", "99999999999999999999999"])
def test_merge_into_an_impossible_idea_number_is_a_clear_error(client, make, cycle, staff, target):
    """A merge target that is no number the database holds gets the form's message, not a 500."""
    merged = idea(cycle, make.user(Role.resident))
    login(client, staff)
    response = post_staff(client, f"/admin/ideas/{merged.id}/review",
                          {"status": "merged", "reason": "Same need.", "merged_into": target})
    assert response.status_code == 400 and "Choose another idea of this cycle" in text(response)
    db.session.refresh(merged)
    assert merged.status != IdeaStatus.merged


def test_staff_turn_an_advanced_idea_into_a_costed_project(client, make, cycle, staff):
    """Typed dollars become exact cents; the idea page then shows the project and its cost."""
    item = idea(cycle, make.user(Role.resident), status=IdeaStatus.advanced, reviewer=staff)
    login(client, staff)
    assert item.title in text(client.get(f"/admin/cycles/{cycle.slug}/projects/new?idea={item.id}"))
    response = post_staff(client, f"/admin/cycles/{cycle.slug}/projects/new", {
        "ideas": [str(item.id)], "title": "Clinic rides", "summary": "Evening rides to the clinic.",
        "locale": "en", "cost": "12,500.00", "breakdown": "Van: 10,000.00\nDriver: 2,500.00",
        "category": "transport", "area": "north", "feasibility_notes": "The clinic agreed."})
    assert response.status_code == 302
    project = db.session.scalars(select(Project)).one()
    assert (project.cost_cents, project.cost_breakdown[1]) == (1_250_000, {"item": "Driver", "cents": 250_000})
    page = text(client.get(f"/ideas/{item.id}"))
    assert "Clinic rides" in page and "$12,500.00" in page and "In development" in page


def test_the_cost_field_names_the_cycles_currency(client, make, staff):
    """A euro cycle asks for the cost in EUR, not in dollars."""
    cycle = make.cycle(phase=Phase.ideas, currency="EUR")
    item = idea(cycle, make.user(Role.resident), status=IdeaStatus.advanced, reviewer=staff)
    login(client, staff)
    page = text(client.get(f"/admin/cycles/{cycle.slug}/projects/new?idea={item.id}"))
    assert "cost estimate (eur)" in page.lower() and "dollar" not in page.lower()


@pytest.mark.parametrize("cost, message", [
    ("", "Enter an amount like 12,500.00"), ("12.345", "Enter an amount like 12,500.00"),
    ("-100", "The amount must be more than zero."), ("ten dollars", "Enter an amount like 12,500.00"),
    ("100,000.01", "The amount cannot be more than the whole budget."),
])
def test_invalid_money_is_refused(client, make, cycle, staff, cost, message):
    """A cost that is not plain dollars and cents within the budget creates nothing."""
    item = idea(cycle, make.user(Role.resident), status=IdeaStatus.advanced, reviewer=staff)
    login(client, staff)
    response = post_staff(client, f"/admin/cycles/{cycle.slug}/projects/new", {
        "ideas": [str(item.id)], "title": "Clinic rides", "summary": "Evening rides to the clinic.",
        "locale": "en", "cost": cost, "category": "transport"})
    assert response.status_code == 400 and message in text(response)
    assert count(Project) == 0


def test_staff_edit_translate_and_ready_a_project(app, client, make, cycle, staff):
    """Staff change the cost and add the Spanish title; the project goes on the ballot only once a
    second person has reviewed the translation; a Spanish reader then sees the Spanish title."""
    project = make.project(cycle, ready=False, actor=staff, title="Clinic rides", summary="Evening rides.")
    login(client, staff)
    edit = f"/admin/projects/{project.id}/edit"
    assert "10,000.00" in text(client.get(edit))
    assert post_staff(client, edit, {"title": "Clinic rides", "summary": "Evening rides.", "cost": "9,000",
                                     "category": "transport", "area": ""}).status_code == 302
    assert post_staff(client, f"/admin/projects/{project.id}/translation",
                      {"translation-locale": "es", "translation-title": "Viajes a la clínica",
                       "translation-summary": "Viajes por la tarde."}
                      ).status_code == 302
    early = post_staff(client, f"/admin/projects/{project.id}/ready", {"ready": "1"})
    assert early.status_code == 400 and "reviewed translation" in text(early)
    reviewer = app.test_client()
    login(reviewer, make.user(Role.staff))
    for field in ("title", "summary"):
        url = f"/translations/Project/{project.id}/{field}/es"
        token = csrf_from(reviewer.get(url).get_data(as_text=True))
        assert reviewer.post(url + "/review", data={"csrf_token": token}).status_code == 302
    assert post_staff(client, f"/admin/projects/{project.id}/ready", {"ready": "1"}).status_code == 302
    stored = db.session.get(Project, project.id)
    assert (stored.cost_cents, stored.status) == (900_000, "ready")
    client.get("/language/es")
    assert "Viajes a la clínica" in text(client.get(f"/projects/{project.id}"))


def test_project_edits_are_refused_once_voting_opens(client, make, staff):
    """After voting opens the edit page says so and a posted edit changes nothing."""
    cycle = make.cycle(phase=Phase.development)
    project = make.project(cycle, actor=staff)
    make.project(cycle, actor=staff)  # the ballot needs two projects
    open_voting(cycle, actor=staff)
    db.session.commit()
    login(client, staff)
    assert "can no longer change" in text(client.get(f"/admin/projects/{project.id}/edit"))
    response = post_staff(client, f"/admin/projects/{project.id}/edit",
                          {"title": "New title", "summary": "New summary text.", "cost": "1.00", "category": "food"})
    assert response.status_code == 400 and "cannot change once voting has opened" in text(response)
    assert db.session.get(Project, project.id).cost_cents == 10_000_00


def test_idea_page_follows_the_project_to_implementation(client, make, staff):
    """Once funded work starts, the idea's page shows the project's progress updates."""
    cycle = make.cycle(phase=Phase.ideas)
    item = idea(cycle, make.user(Role.resident), status=IdeaStatus.advanced, reviewer=staff)
    make.project(cycle, actor=staff, ideas=[item], title="Clinic rides")
    db.session.add(ProgressUpdate(project_id=item.project_id, status=ProgressStatus.in_progress, percent=40,
                                  body="The van was bought.", locale="en", author_id=staff.id))
    db.session.commit()
    page = text(client.get(f"/ideas/{item.id}"))
    assert "Ready for the ballot" in page and "In progress" in page and "The van was bought." in page
    assert "The project was put on the ballot" in page


def test_idea_forms_offer_only_the_cycles_categories(client, make):
    """A cycle that offers food and housing lists only those (in its order) on the idea form and
    the idea filter; a forged 'transport' is refused with a clear message and stores nothing."""
    cycle = make.cycle(categories=["housing", "food"])
    login(client, make.user(Role.resident))
    page = text(client.get(f"/cycles/{cycle.slug}/ideas/new"))
    offered = re.findall(r'<option value="(\w+)"', page[page.index('name="category"'):page.index('name="area"')])
    assert offered == ["housing", "food"]
    listing = text(client.get(f"/cycles/{cycle.slug}/ideas"))
    assert 'value="transport"' not in listing and 'value="housing"' in listing
    response = post_idea(client, cycle, category="transport")
    assert response.status_code == 400 and "Choose a category from the list." in text(response)
    assert count(Idea) == 0
    assert post_idea(client, cycle, category="food").status_code == 302
