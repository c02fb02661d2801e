"""Reachable by everyone: the ballot without JavaScript, on a small budget of bytes."""

from playwright.sync_api import expect
from sqlalchemy import select

from pb.db import db
from pb.voting.models import Ballot
from tests.voting.conftest import codes, voting_cycle  # noqa: F401  (fixtures)

PAGE_BUDGET = 100 * 1024


def test_ballot_without_javascript(browser, live_server, voting_cycle, codes):  # noqa: F811
    """With JavaScript off, the rank selects alone cast a ranked ballot."""
    cycle, ids = voting_cycle
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"/cycles/{cycle.slug}/vote")
    page.fill("#code", codes[0])
    page.locator("form[action$='/vote/code'] button").click()
    page.locator(f"#rank-{ids[3]}").select_option("1")
    page.locator(f"#rank-{ids[1]}").select_option("2")
    page.locator("form#ballot button[type=submit]").click()
    page.locator("button[value=cast]").click()
    expect(page.locator("#tracker")).to_be_visible()
    context.close()
    db.session.rollback()
    assert db.session.scalars(select(Ballot.ranking)).one() == [ids[3], ids[1]]


def test_ballot_page_weight_under_100_kb(browser, live_server, voting_cycle, codes):  # noqa: F811
    """Everything the ballot page transfers (HTML, CSS, JS) stays under 100 KB, all from this site."""
    cycle, _ = voting_cycle
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    page.goto(f"/cycles/{cycle.slug}/vote")
    page.fill("#code", codes[0])
    page.locator("form[action$='/vote/code'] button").click()
    page.locator("form#ballot").wait_for()  # the ballot answers the code itself
    sizes, hosts = {}, set()

    def measure(response):
        hosts.add(response.url.split("/")[2])
        sizes[response.url] = len(response.body())

    page.on("response", measure)
    page.reload(wait_until="networkidle")
    context.close()
    assert sum(sizes.values()) < PAGE_BUDGET, sizes
    assert hosts == {live_server.split("/")[2]}


def test_320px_ballot_has_no_sideways_scrolling(browser, live_server, voting_cycle, codes):  # noqa: F811
    cycle, _ = voting_cycle
    context = browser.new_context(base_url=live_server, viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(f"/cycles/{cycle.slug}/vote")
    page.fill("#code", codes[0])
    page.locator("form[action$='/vote/code'] button").click()
    page.locator("form#ballot").wait_for()  # the ballot answers the code itself
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.locator("select[name^=rank-]").first.select_option("1")
    page.locator("form#ballot button[type=submit]").click()
    page.locator("button[value=cast]").click()
    expect(page.locator("#tracker")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()
