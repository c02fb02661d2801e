"""The idea list and idea page read only what they show (cards with their title's translation,
the timeline's events, a thread's comments with their translations) and keep the timeline
between renders: each still shows the current data, in the reader's language."""

import re

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
