"""The participant survey in a real browser, in Spanish and on a phone: offered on the thank-you
page, answered with taps only, stored without any link to the ballot."""

from playwright.sync_api import expect
from sqlalchemy import select

from pb.db import db
from pb.enums import Channel
from pb.survey.models import SurveyResponse
from tests.browser.test_ballot_phone import to_ballot
from tests.voting.conftest import codes, voting_cycle  # noqa: F401  (fixtures)


def test_spanish_resident_answers_the_survey_on_a_phone(browser, live_server, voting_cycle, codes):  # noqa: F811
    cycle, ids = voting_cycle
    context = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto("/language/es")
    to_ballot(page, cycle, codes[0])
    page.locator(f"#rank-{ids[0]}").select_option("1")
    page.locator("form#ballot button[type=submit]").click()
    page.locator("button[value=cast]").click()
    expect(page.locator("#tracker")).to_be_visible()
    with page.expect_navigation():
        page.locator(f"a[href$='/cycles/{cycle.slug}/survey']").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("#survey-secret")).to_be_visible()  # says the answers cannot be linked
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.locator("input[name=age][value='25_34']").check()
    page.locator("input[name=race][value=hispanic]").check()
    page.locator("input[name=race][value=white]").check()
    page.locator("input[name=first_time][value=yes]").check()
    with page.expect_navigation():
        page.locator("main form.form button[type=submit]").click()
    context.close()
    db.session.rollback()
    stored = db.session.scalars(select(SurveyResponse)).one()
    assert (stored.channel, stored.locale) == (Channel.online, "es")
    assert stored.answers == {"age": "25_34", "race": ["hispanic", "white"], "first_time": "yes"}
