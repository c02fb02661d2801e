"""The ballot on a small phone stays short: 12 projects fit in 2.5 screens at 360×640, with and
without JavaScript, and still rank and mark errors without it."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_ballot_phone import to_ballot

SCREEN = {"width": 360, "height": 640}


def phone(browser, live_server, javascript):
    context = browser.new_context(base_url=live_server, viewport=SCREEN, locale="en-US",
                                  java_script_enabled=javascript)
    context.set_default_timeout(10_000)
    return context, context.new_page()


def layout(page) -> dict:
    return page.evaluate("""() => ({
        page: document.documentElement.scrollHeight,
        header: document.querySelector('.site-header').offsetHeight,
        card: document.querySelector('.ballot-project').offsetHeight,
        wide: document.documentElement.scrollWidth > window.innerWidth})""")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_twelve_project_ballot_fits_in_two_and_a_half_screens(browser, live_server, twelve_projects, javascript):
    """At 360×640 the whole ballot page with 12 projects is at most 2.5 screens tall."""
    cycle, issued = twelve_projects
    context, page = phone(browser, live_server, javascript)
    to_ballot(page, cycle, issued[0])
    sizes = layout(page)
    context.close()
    assert sizes["page"] <= 2.5 * SCREEN["height"], sizes
    assert not sizes["wide"], sizes


def test_compact_ballot_without_javascript_ranks_and_marks_errors(browser, live_server, twelve_projects):
    """Without JavaScript on a phone, the folded details open, ranks reach the review, and a
    duplicate rank is marked on both projects while every choice is kept."""
    cycle, issued = twelve_projects
    context, page = phone(browser, live_server, False)
    to_ballot(page, cycle, issued[0])
    first = page.locator(".ballot-project").first
    first.locator("summary").click()
    expect(first.locator(".project-details p").first).to_be_visible()
    selects = page.locator("select[name^=rank-]")
    selects.nth(0).select_option("1")
    selects.nth(1).select_option("1")
    selects.nth(2).select_option("2")
    page.locator("form#ballot button[type=submit]").click()
    page.locator("#ballot-error").wait_for()
    expect(page.locator(".ballot-project.has-error")).to_have_count(2)  # the cards below may still be parsing
    assert [selects.nth(n).input_value() for n in range(3)] == ["1", "1", "2"]
    assert not layout(page)["wide"]
    context.close()


def test_ranking_panel_takes_no_room_until_something_is_ranked(browser, live_server, twelve_projects):
    """With JavaScript, the empty "Your ranking" panel takes no height; it appears with the first
    rank, and removing the last one hides it again, announces it and leaves focus on that rank."""
    cycle, issued = twelve_projects
    context, page = phone(browser, live_server, True)
    to_ballot(page, cycle, issued[0])
    panel = page.locator("#ranking-panel")
    assert panel.evaluate("e => e.offsetHeight") == 0
    first = page.locator("select[name^=rank-]").first
    first.select_option("1")
    assert panel.evaluate("e => e.offsetHeight") > 0
    assert panel.locator(".ranking-list li").count() == 1
    panel.locator('[data-action="remove"]').click()
    assert panel.evaluate("e => e.offsetHeight") == 0
    assert first.input_value() == ""
    assert page.evaluate("document.activeElement.id") == first.get_attribute("id")
    expect(panel.locator("[aria-live]")).to_contain_text("was removed")
    context.close()
