"""Published results and the pages around them on a phone and with a screen reader: no sideways
scroll at 320 px in four languages (with a 300-character address in a comment), and axe finds no
serious issue on the results, check-it-yourself, ballot, review, confirmation and kiosk thanks
pages in English and Arabic at 1280 and 320 px."""

import pytest

from pb.db import db
from pb.enums import Role
from tests.browser.test_a11y import axe_violations
from tests.conftest import DEFAULT_PASSWORD
from tests.kiosk.conftest import site  # noqa: F401  (fixture)
from tests.results.test_reading import LONG_URL, decided  # noqa: F401  (fixture)
from tests.voting.conftest import codes, voting_cycle  # noqa: F401  (fixtures)


def scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("locale", ["en", "es", "ar", "vi"])
def test_no_sideways_scroll_at_320_after_publication(browser, live_server, decided, locale):  # noqa: F811
    """Idea list, idea page, project page, results and check page fit 320 px, long address included."""
    cycle, projects, ideas = decided
    db.session.commit()
    context = browser.new_context(base_url=live_server, viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(f"/language/{locale}?next=/cycles/{cycle.slug}")
    urls = [f"/cycles/{cycle.slug}", f"/cycles/{cycle.slug}/ideas", f"/ideas/{ideas['A'].id}",
            f"/projects/{projects['A'].id}", f"/cycles/{cycle.slug}/results", f"/cycles/{cycle.slug}/results/check"]
    widths = {}
    for url in urls:
        page.goto(url)
        widths[url] = scroll_width(page)
        if url.startswith(("/ideas/", "/projects/")):
            assert LONG_URL in page.content(), url  # the long address is really on the page
    context.close()
    assert {url: extra for url, extra in widths.items() if extra > 0} == {}


def _sign_in(page, user):
    page.goto("/login")
    page.fill("#email", user.email)
    page.fill("#password", DEFAULT_PASSWORD)
    with page.expect_navigation():  # signed in before the next address is asked for
        page.locator("form.form button[type=submit]").click()


@pytest.mark.parametrize("width", [1280, 320])
@pytest.mark.parametrize("locale", ["en", "ar"])
def test_changed_pages_pass_axe(browser, live_server, decided, voting_cycle, codes, locale, width):  # noqa: F811
    """Results, check it yourself, ballot, review and confirmation: no serious or critical issue."""
    cycle, _, _ = decided
    voting, ids = voting_cycle
    db.session.commit()
    context = browser.new_context(base_url=live_server, bypass_csp=True, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"/language/{locale}")
    found = {}
    for url in (f"/cycles/{cycle.slug}/results", f"/cycles/{cycle.slug}/results/check", f"/cycles/{cycle.slug}"):
        page.goto(url)
        found[url] = axe_violations(page)
    page.goto(f"/cycles/{voting.slug}/vote")
    page.fill("#code", codes[0])
    page.locator("form[action$='/vote/code'] button").click()
    page.locator("form#ballot").wait_for()
    found["ballot"] = axe_violations(page)
    page.locator(f"#rank-{ids[0]}").select_option("1")
    page.locator("form#ballot button[type=submit]").click()
    page.locator("button[value=cast]").wait_for()
    found["review"] = axe_violations(page)
    page.locator("button[value=cast]").click()
    page.locator("#tracker").wait_for()
    found["confirmation"] = axe_violations(page)
    context.close()
    assert {url: v for url, v in found.items() if v} == {}


@pytest.mark.parametrize("width", [1280, 320])
@pytest.mark.parametrize("locale", ["en", "ar"])
def test_kiosk_thanks_passes_axe_and_keeps_the_tracker(browser, live_server, make, voting_cycle, site,  # noqa: F811
                                                       locale, width):
    """The kiosk thanks screen passes axe, shows a print button with JavaScript, and still shows
    the tracker after a reload."""
    cycle, ids = voting_cycle
    liaison = make.user(Role.liaison)
    db.session.commit()
    context = browser.new_context(base_url=live_server, bypass_csp=True, viewport={"width": width, "height": 900})
    page = context.new_page()
    _sign_in(page, liaison)
    page.goto("/kiosk/")
    page.fill("#pin", "4816")
    with page.expect_navigation():  # page.url below is the kiosk's own start page
        page.locator("form[action$='/kiosk/sessions'] button").click()
    page.goto(f"/language/{locale}?next={page.url.removeprefix(live_server)}")
    page.fill("#name", "Ana Silva")
    page.fill("#birth_date", "1980-06-15")
    page.locator("#area").select_option(index=1)
    page.check("#attest")
    page.fill("#pin", "4816")
    page.locator("form[action$='/check-in'] button[type=submit]").click()
    page.locator(f"#rank-{ids[0]}").select_option("1")
    page.locator("form#ballot button[type=submit]").click()
    page.locator("button[value=cast]").click()
    tracker = page.locator("#tracker").inner_text()
    page.locator("[data-print]").wait_for(state="visible")  # kiosk.js shows it (deferred)
    page.reload()
    assert page.locator("#tracker").inner_text() == tracker
    found = axe_violations(page)
    scrolls = scroll_width(page)
    context.close()
    assert found == []
    assert scrolls <= 0
