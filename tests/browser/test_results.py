"""Close voting, count, sign off and publish in a real browser; then read the public results."""

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
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, second)
    page.goto(f"/admin/cycles/{cycle.slug}/count")
    page.get_by_role("button", name="Sign off and publish").click()
    expect(page.get_by_text("The result is published.")).to_be_visible()

    page.goto(f"/cycles/{cycle.slug}")
    page.get_by_role("link", name="See the results").click()
    expect(page.get_by_role("heading", name="Funded projects")).to_be_visible()
    assert page.locator("#funded li").count() == 4
    assert page.locator("#steps li").first.inner_text().startswith("Project 2 was funded")
    assert len(page.locator("#result-sha").inner_text()) == 64
