"""The idea list and idea page read only what they show (cards with their title's translation,
the timeline's events, a thread's comments with their translations) and keep the timeline
between renders: each still shows the current data, in the reader's language."""

import re

from pb.audit.services import record
from pb.db import db
from pb.deliberation.services import post_comment, translate_comment
from pb.enums import IdeaStatus, Role
from pb.proposals.services import edit_idea, review_idea
from pb.translations.services import review_translation, translate_field
from tests.proposals.conftest import idea


def _card_title(page: str, item) -> str:
    """The title shown on an idea's card in the list, with its pending mark if any."""
    link = re.search(rf'<a href="[^"]*/ideas/{item.id}">\s*<span[^>]*class="user-text( pending)?">([^<]*)</span>',
                     page)
    return link.group(2) + (" (pending)" if link.group(1) else "")


def test_idea_cards_show_a_reviewed_translation_of_the_title_as_it_reads_now(app, make, cycle, staff):
    """A card shows the original marked pending until a translation is reviewed, then the
    translation; once the author changes the title, the new original again, marked pending."""
    author = make.user(Role.resident)
    item = idea(cycle, author, title="Evening rides to dialysis")
    spanish = app.test_client()
    spanish.get("/language/es")
    url = f"/cycles/{cycle.slug}/ideas"
    assert _card_title(spanish.get(url).get_data(as_text=True), item) == "Evening rides to dialysis (pending)"
    translate_field(actor=make.user(Role.liaison), obj=item, field="title", locale="es",
                    text="Viajes nocturnos a diálisis")
    db.session.commit()
    assert _card_title(spanish.get(url).get_data(as_text=True), item) == "Evening rides to dialysis (pending)"
    review_translation(actor=staff, obj=item, field="title", locale="es")
    db.session.commit()
    assert _card_title(spanish.get(url).get_data(as_text=True), item) == "Viajes nocturnos a diálisis"
    english = app.test_client()
    assert _card_title(english.get(url).get_data(as_text=True), item) == "Evening rides to dialysis"
    edit_idea(actor=author, idea=item, title="Night rides to dialysis", body=item.body)
    db.session.commit()
    assert _card_title(spanish.get(url).get_data(as_text=True), item) == "Night rides to dialysis (pending)"
    assert _card_title(english.get(url).get_data(as_text=True), item) == "Night rides to dialysis"


def test_the_timeline_shows_each_new_event(client, make, cycle, staff):
    """The idea page keeps its timeline between renders, yet a new answer shows at once."""
    item = idea(cycle, make.user(Role.resident))
    page = client.get(f"/ideas/{item.id}").get_data(as_text=True)
    assert "Status changed to" not in page
    review_idea(actor=staff, idea=item, status=IdeaStatus.not_feasible, reason="Outside the service area.")
    db.session.commit()
    page = client.get(f"/ideas/{item.id}").get_data(as_text=True)
    timeline = page[page.index('<ol class="idea-timeline">'):]
    assert "Status changed to" in timeline and "Outside the service area." in timeline


def test_a_timeline_links_under_the_path_prefix_of_each_request(app, make, cycle, staff):
    """A merged idea's timeline links to the idea it joined under the prefix the page is served
    at, also after the same timeline was rendered under another prefix."""
    author = make.user(Role.resident)
    kept, merged = idea(cycle, author, title="Rides to the clinic"), idea(cycle, author, title="Clinic rides")
    review_idea(actor=staff, idea=merged, status=IdeaStatus.merged, reason="The same idea.", merged_into=kept)
    db.session.commit()
    root = app.test_client().get(f"/ideas/{merged.id}").get_data(as_text=True)
    prefixed = app.test_client().get(f"/ideas/{merged.id}", base_url="http://localhost/pb").get_data(as_text=True)
    link = f'(<a href="{{}}/ideas/{kept.id}">'
    assert link.format("") in root and link.format("/pb") in prefixed


def test_comment_translations_show_under_their_own_comment(client, make, cycle, staff):
    """Each translation shows under the comment it translates, in its language order."""
    item = idea(cycle, make.user(Role.resident))
    resident = make.user(Role.resident)
    first = post_comment(actor=resident, target=item, body="Great idea.", locale="en")
    second = post_comment(actor=resident, target=item, body="Me too.", locale="en", parent=first)
    db.session.flush()
    for comment, locale, words in ((first, "vi", "Ý tưởng hay."), (first, "es", "Gran idea."),
                                   (second, "es", "Yo también.")):
        translate_comment(actor=staff, comment=comment, locale=locale, text=words)
    db.session.commit()
    page = client.get(f"/ideas/{item.id}").get_data(as_text=True)
    first_block = page[page.index(f'id="comment-{first.id}"'):page.index(f'id="comment-{second.id}"')]
    second_block = page[page.index(f'id="comment-{second.id}"'):]
    assert first_block.index("Gran idea.") < first_block.index("Ý tưởng hay.")
    assert "Yo también." not in first_block and "Yo también." in second_block


def _status_links(page: str) -> list[str]:
    return re.findall(r'<li><a href="[^"]*"[^>]*>([^<]*)</a></li>', page[page.index("status-counts"):])


def test_the_unfiltered_list_shows_each_new_idea_at_once(app, make, cycle, staff):
    """The list without filters is kept between renders, yet a new idea or a new answer changes
    its counts, its total and its cards at once."""
    client, url = app.test_client(), f"/cycles/{cycle.slug}/ideas"
    first = idea(cycle, make.user(Role.resident), title="Shade over the bus stop")
    page = client.get(url).get_data(as_text=True)
    assert "1 idea found." in page and "Submitted: 1" in _status_links(page)
    idea(cycle, make.user(Role.resident), title="Benches by the clinic")
    review_idea(actor=staff, idea=first, status=IdeaStatus.not_feasible, reason="The city owns it.")
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "2 ideas found." in page and "Benches by the clinic" in page
    assert "Submitted: 1" in _status_links(page) and "Not feasible: 1" in _status_links(page)


def test_each_page_of_the_list_shows_its_own_ideas_and_every_count(app, make, cycle, staff):
    """Page 2 of the list is not page 1 kept from before, and page 1's counts follow an answer
    to an idea on page 2."""
    author = make.user(Role.resident)
    ideas = [idea(cycle, author, title=f"Idea number {n:02d}", body=f"A clear description of idea {n}.")
             for n in range(21)]
    client, url = app.test_client(), f"/cycles/{cycle.slug}/ideas"
    first, second = client.get(url).get_data(as_text=True), client.get(f"{url}?page=2").get_data(as_text=True)
    assert "Idea number 20" in first and "Idea number 00" not in first
    assert "Idea number 00" in second and "Idea number 20" not in second and "Page 2 of 2" in second
    review_idea(actor=staff, idea=ideas[0], status=IdeaStatus.not_feasible, reason="The city owns it.")
    db.session.commit()
    assert "Not feasible: 1" in _status_links(client.get(url).get_data(as_text=True))


def test_the_list_links_under_the_path_prefix_of_each_request(app, make, cycle):
    """The kept list links under the prefix each request came in at."""
    item = idea(cycle, make.user(Role.resident))
    url = f"/cycles/{cycle.slug}/ideas"
    root = app.test_client().get(url).get_data(as_text=True)
    prefixed = app.test_client().get(url, base_url="http://localhost/pb").get_data(as_text=True)
    assert f'href="/pb/ideas/{item.id}"' in prefixed and f'href="/pb{url}?status=submitted"' in prefixed
    assert f'href="/ideas/{item.id}"' in root and f'href="{url}?status=submitted"' in root


def test_an_empty_filter_is_not_served_the_kept_list(app, make, cycle):
    """A search with empty fields shows them as sent (the 'All' choices picked), not the list
    kept for the bare address."""
    idea(cycle, make.user(Role.resident))
    client, url = app.test_client(), f"/cycles/{cycle.slug}/ideas"
    bare = client.get(url).get_data(as_text=True)
    empty = client.get(f"{url}?q=&status=&category=&area=&language=").get_data(as_text=True)
    assert '<option selected value="">' not in bare and '<option selected value="">' in empty


def test_the_cycles_new_categories_show_in_the_filter_list(app, make, cycle, staff):
    """The kept list follows a change of the cycle's categories."""
    client, url = app.test_client(), f"/cycles/{cycle.slug}/ideas"
    assert 'value="housing"' in client.get(url).get_data(as_text=True)
    cycle.categories = ["food"]
    record("cycle.update", actor=staff, obj=cycle, data={})
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert 'value="housing"' not in page and 'value="food"' in page
