"""Close voting, count, sign off and publish in a real browser; then read the public results."""

import re

from playwright.sync_api import expect

from pb.enums import Role
from tests.conftest import DEFAULT_PASSWORD
from tests.results.conftest import cast_cycle  # noqa: F401  (fixture)
from tests.voting.conftest import voting_cycle  # noqa: F401  (fixture)


def sign_in(page, user):
    page.goto("/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/")


def test_close_count_sign_off_publish(page, make, cast_cycle):  # noqa: F811
    cycle, ids = cast_cycle
    first, second = make.user(Role.staff), make.user(Role.staff)
    page.goto(f"/cycles/{cycle.slug}")
    assert page.get_by_role("link", name="See the results").count() == 0

    sign_in(page, first)
    page.get_by_role("link", name="Close voting…").click()
    page.get_by_role("button", name="Close voting and seal the ballot box").click()
    page.get_by_role("link", name="Count and publish").click()
    page.get_by_role("button", name="Count the votes").click()
    expect(page.locator("#provisional-funded li")).to_have_count(4)
    page.get_by_role("button", name="Sign off and publish").click()
    expect(page.get_by_text("second staff member").first).to_be_visible()  # refused: same person
    with page.expect_navigation():  # signed out before the sign-in page is asked for
        page.get_by_role("button", name="Sign out").click()

    sign_in(page, second)
    page.goto(f"/admin/cycles/{cycle.slug}/count")
    page.get_by_role("button", name="Sign off and publish").click()
    expect(page.get_by_text("The result is published.")).to_be_visible()

    page.goto(f"/cycles/{cycle.slug}")
    page.get_by_role("link", name="See the results").click()
    expect(page.get_by_role("heading", name="Funded projects")).to_be_visible()
    expect(page.locator("#funded li")).to_have_count(4)
    expect(page.locator("#steps li").first).to_have_text(re.compile(r"^Project 2 was funded"), use_inner_text=True)
    expect(page.locator("#result-sha")).to_have_text(re.compile(r"^.{64}$"), use_inner_text=True)
