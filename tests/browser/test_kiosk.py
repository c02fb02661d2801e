"""A kiosk morning in a real browser: three residents, one walks away mid-ballot."""

from playwright.sync_api import expect
from sqlalchemy import select

from pb.db import db
from pb.enums import Role
from pb.voting.models import Ballot
from tests.conftest import DEFAULT_PASSWORD
from tests.kiosk.conftest import site  # noqa: F401  (fixture)
from tests.voting.conftest import voting_cycle  # noqa: F401  (fixture)


def check_in(page, name):
    page.get_by_label("Resident's full name").fill(name)
    page.get_by_label("Date of birth").fill("1980-06-15")
    page.get_by_label("Neighbourhood where they live").select_option(index=1)
    page.get_by_label("The resident confirms").check()
    page.get_by_label("Liaison's check-in PIN").fill("4816")
    page.get_by_role("button", name="Start the ballot").click()
    page.wait_for_url("**/ballot?n=*")


def nothing_left(page, previous: str) -> None:
    """Back shows nothing of the previous voter, and client storage is empty."""
    page.go_back()
    assert previous not in page.content()
    assert "/ballot" not in page.url and "/thanks" not in page.url
    assert page.evaluate("sessionStorage.length + localStorage.length") == 0


def idle_seconds(cycle, seconds: int) -> None:
    db.session.rollback()  # a fresh read: the browser's requests wrote since
    db.session.get(type(cycle), cycle.id).kiosk_idle_seconds = seconds
    db.session.commit()  # the server's threads read it on the next page


def test_three_residents_one_walks_away(page, make, voting_cycle, site):  # noqa: F811
    cycle, ids = voting_cycle
    liaison = make.user(Role.liaison)
    page.goto("/login")
    page.get_by_label("Email").fill(liaison.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    with page.expect_navigation():  # signed in before the kiosk page is asked for
        page.get_by_role("button", name="Sign in").click()
    page.goto("/kiosk/")
    page.fill("#pin", "4816")
    page.get_by_role("button", name="Open kiosk on this device").click()
    expect(page.get_by_role("heading", name="Vote here")).to_be_visible()

    # Resident 1 votes; leaves something in storage that must not survive them.
    check_in(page, "Ana Silva")
    page.evaluate("sessionStorage.setItem('draft', 'Ana'); localStorage.setItem('draft', 'Ana')")
    page.locator(f"#rank-{ids[1]}").select_option("1")
    page.get_by_role("button", name="Review my ballot").click()
    page.get_by_role("button", name="Cast my ballot").click()
    tracker = page.locator("#tracker").inner_text()
    page.get_by_role("link", name="Done").click()
    page.wait_for_selector("text=Vote here")
    nothing_left(page, tracker)

    # Resident 2 starts ranking, then walks away: the idle timer discards the ballot. Only their
    # turn has a 3-second limit: on a busy machine the others' steps can take that long.
    idle_seconds(cycle, 3)
    page.goto(page.url)
    check_in(page, "Bo Chen")
    page.locator(f"#rank-{ids[2]}").select_option("1")
    page.wait_for_selector("text=The unfinished ballot was discarded", timeout=15_000)
    nothing_left(page, "Bo Chen")

    # Resident 3 votes.
    idle_seconds(cycle, 120)
    page.goto(page.url)
    check_in(page, "Cy Omar")
    page.locator(f"#rank-{ids[3]}").select_option("1")
    page.get_by_role("button", name="Review my ballot").click()
    page.get_by_role("button", name="Cast my ballot").click()
    expect(page.locator("#tracker")).to_be_visible()

    db.session.rollback()
    rankings = sorted(db.session.scalars(select(Ballot.ranking)).all())
    assert rankings == sorted([[ids[1]], [ids[3]]])
