"""axe-core in Chromium on every kind of demo page, in English and Arabic, desktop and 320 px."""

from pathlib import Path

import pytest
from sqlalchemy import select

from pb.db import db
from pb.proposals.models import Idea, Project
from pb.voting.services import issue_access_codes

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


def axe_violations(page) -> list[str]:
    page.wait_for_load_state()  # the whole page, not the part parsed so far
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}" for v in results["violations"]
            if v["impact"] in SERIOUS]


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["pb", "demo"])
    assert result.exit_code == 0, result.output
    return result


def public_urls() -> list[str]:
    idea = db.session.scalars(select(Idea.id).order_by(Idea.id)).first()
    project = db.session.scalars(select(Project.id).order_by(Project.id)).first()
    return ["/", "/cycles/eastside-2027", "/cycles/eastside-2027/ideas", f"/ideas/{idea}",
            f"/projects/{project}", "/cycles/eastside-2027/vote", "/cycles/northgate-2026",
            "/cycles/northgate-2026/results", "/cycles/northgate-2026/tracker?tracker=ABCD-EFGH-JKMN",
            "/audit/", "/login", "/no-such-page"]


@pytest.mark.parametrize("width", [1280, 320])
@pytest.mark.parametrize("locale", ["en", "ar"])
def test_no_serious_axe_violations(browser, live_server, demo, locale, width):
    """Public pages, the ballot and its review pass axe with no serious or critical issue."""
    cycle_codes = issue_access_codes(actor=None, cycle=_cycle("eastside-2027"), count=1, batch="a11y")
    db.session.commit()
    context = browser.new_context(base_url=live_server, bypass_csp=True, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"/language/{locale}")
    problems = {}
    for url in public_urls():
        page.goto(url)
        problems[url] = axe_violations(page)
    page.goto("/cycles/eastside-2027/vote")
    page.fill("#code", cycle_codes[0])
    page.locator("form[action$='/vote/code'] button").click()
    page.locator("form#ballot").wait_for()  # the ballot answers the code itself
    problems["ballot"] = axe_violations(page)
    page.locator("select[name^=rank-]").first.select_option("1")
    page.locator("form#ballot button[type=submit]").click()
    page.locator("button[value=cast]").wait_for()  # the review page, not the ballot still showing
    problems["review"] = axe_violations(page)
    no_scroll = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    context.close()
    assert {url: found for url, found in problems.items() if found} == {}
    assert no_scroll, "the review page scrolls sideways"


def _cycle(slug):
    from pb.cycles.models import Cycle

    return db.session.scalars(select(Cycle).filter_by(slug=slug)).one()


def test_staff_and_kiosk_pages_pass_axe(browser, live_server, demo):
    """Dashboard, count, codes, sites, printed ballot, downloads, operations, community-benefit
    record, equity report and the kiosk start screen pass axe too."""
    context = browser.new_context(base_url=live_server, bypass_csp=True)
    page = context.new_page()
    found = {}
    for email, urls in (("staff@example.org", ["/admin/", "/admin/cycles/northgate-2026/count",
                                                "/admin/cycles/eastside-2027/codes", "/admin/cycles/eastside-2027/sites",
                                                "/admin/cycles/eastside-2027/paper-ballot",
                                                "/admin/cycles/eastside-2027/exports",
                                                "/admin/cycles/eastside-2027/operations",
                                                "/admin/cycles/northgate-2026/community-benefit",
                                                "/admin/cycles/northgate-2026/equity",
                                                "/admin/cycles/eastside-2027/survey-questions"]),
                        ("liaison@example.org", ["/kiosk/"])):
        page.goto("/login")
        page.fill("#email", email)
        page.fill("#password", "demo-password")
        with page.expect_navigation():  # signed in before the next address is asked for
            page.locator("form.form button[type=submit]").click()
        for url in urls:
            page.goto(url)
            found[url] = axe_violations(page)
    page.fill("#pin", "4816")
    with page.expect_navigation():
        page.locator("form[action$='/kiosk/sessions'] button").click()
    found["kiosk start"] = axe_violations(page)
    context.close()
    assert {url: v for url, v in found.items() if v} == {}
