"""The ballot on a phone: keyboard ranking keeps focus, a full ranking says so, the budget meter
follows, no sideways scrolling at 320 px, and a double tap on "Cast my ballot" ends on the tracker."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from pb.db import db
from pb.voting.models import Ballot
from tests.voting.conftest import codes, voting_cycle  # noqa: F401  (fixtures)


def to_ballot(page, cycle, code):
    page.goto(f"/cycles/{cycle.slug}/vote")
    page.fill("#code", code)
    page.locator("form[action$='/vote/code'] button").click()
    page.locator("form#ballot").wait_for()  # the ballot answers the code itself
    page.wait_for_load_state()  # ballot.js and the CSS are in: the form alone can be half-parsed


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_keyboard_move_keeps_focus_on_the_moved_item(page, voting_cycle, codes):  # noqa: F811
    """'Move down' then Enter again moves the same item further down (focus stayed on its
    'Move down'); the first 'Move up' and last 'Move down' are marked disabled; ranks are read out."""
    cycle, ids = voting_cycle
    to_ballot(page, cycle, codes[0])
    for rank, index in enumerate((0, 1, 2), start=1):
        page.locator(f"#rank-{ids[index]}").select_option(str(rank))
    items = page.locator("#ranking-panel .ranking-list li")
    assert items.nth(0).locator('[data-action="up"]').get_attribute("aria-disabled") == "true"
    assert items.nth(2).locator('[data-action="down"]').get_attribute("aria-disabled") == "true"
    assert items.nth(0).inner_text().startswith("Rank 1")
    items.nth(0).locator('[data-action="down"]').focus()
    page.keyboard.press("Enter")
    focused = page.evaluate("[document.activeElement.dataset.action, document.activeElement.closest('li').dataset.project]")
    assert focused == ["down", str(ids[0])]
    page.keyboard.press("Enter")  # the same item again, now to the bottom
    assert [page.locator(f"#rank-{i}").input_value() for i in ids[:3]] == ["3", "1", "2"]
    assert page.evaluate("document.activeElement.getAttribute('aria-disabled')") == "true"
    # A locator assertion, not wait_for_function: the page's CSP forbids the eval that one needs.
    expect(page.locator("#ranking-panel [aria-live]")).to_contain_text("is now rank 3")


def test_full_ranking_says_so_and_keeps_every_choice(page, twelve_projects):
    """With 5 ranks used, ranking a 6th project keeps the five and explains why."""
    cycle, issued = twelve_projects
    page.context.clear_cookies()
    to_ballot(page, cycle, issued[0])
    selects = page.locator("select[name^=rank-]")
    for n in range(5):
        selects.nth(n).select_option(str(n + 1))
    selects.nth(5).select_option("2")
    assert selects.nth(5).input_value() == ""
    assert [selects.nth(n).input_value() for n in range(5)] == ["1", "2", "3", "4", "5"]
    assert "Your ranking is full" in page.locator(".ranking-notice").inner_text()


def test_budget_meter_follows_the_ranking(page, voting_cycle, codes):  # noqa: F811
    """Ranking the $10,000 and $30,000 projects shows $40,000 of the budget, live."""
    cycle, ids = voting_cycle
    to_ballot(page, cycle, codes[0])
    page.locator(f"#rank-{ids[0]}").select_option("1")
    page.locator(f"#rank-{ids[2]}").select_option("2")
    assert "You ranked projects costing $40,000.00 of" in page.locator("#budget-meter").inner_text()


def test_double_tap_on_cast_shows_the_tracker(page, voting_cycle, codes):  # noqa: F811
    """Two fast taps on 'Cast my ballot': one ballot, and the page ends on the tracker."""
    cycle, ids = voting_cycle
    to_ballot(page, cycle, codes[0])
    page.locator(f"#rank-{ids[1]}").select_option("1")
    page.locator("form#ballot button[type=submit]").click()
    page.locator("button[value=cast]").dblclick()
    page.locator("#tracker").wait_for()  # the confirmation answers the cast itself
    expect(page.locator("#tracker")).to_be_visible()
    db.session.rollback()
    assert db.session.scalars(select(Ballot.ranking)).all() == [[ids[1]]]


@pytest.mark.parametrize("locale", ["en", "es", "ar", "vi"])
def test_no_sideways_scroll_at_320(browser, live_server, voting_cycle, codes, locale):  # noqa: F811
    """At 320 px in four languages, the cycle, ballot and review pages never scroll sideways."""
    cycle, ids = voting_cycle
    context = browser.new_context(base_url=live_server, viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(f"/language/{locale}?next=/cycles/{cycle.slug}")
    assert no_sideways_scroll(page), "cycle page"
    to_ballot(page, cycle, codes[0])
    assert no_sideways_scroll(page), "ballot"
    page.locator(f"#rank-{ids[0]}").select_option("1")
    page.locator("form#ballot button[type=submit]").click()
    page.wait_for_selector("button[value=cast]")
    assert no_sideways_scroll(page), "review"
    context.close()
