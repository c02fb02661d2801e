"""Kiosk history replay in Chromium: Back, history.go(-3) and reload show nothing of the
previous resident and cannot cast their ballot."""

from sqlalchemy import func, select

from pb.db import db
from pb.enums import Role
from pb.voting.models import Ballot
from tests.conftest import DEFAULT_PASSWORD
from tests.kiosk.conftest import site  # noqa: F401  (fixture)
from tests.voting.conftest import voting_cycle  # noqa: F401  (fixture)


def check_in(page, name, born):
    page.get_by_label("Resident's full name").fill(name)
    page.get_by_label("Date of birth").fill(born)
    page.get_by_label("Neighbourhood where they live").select_option(index=1)
    page.get_by_label("The resident confirms").check()
    page.get_by_label("Liaison's check-in PIN").fill("4816")
    page.get_by_role("button", name="Start the ballot").click()
    page.wait_for_url("**/ballot?n=*")


def go_minus_three(page) -> None:
    with page.expect_navigation():
        page.evaluate("history.go(-3)")


def ballots() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Ballot))


def test_history_replay_shows_and_casts_nothing_of_the_previous_resident(page, make, voting_cycle, site):  # noqa: F811
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

    # Resident 1 ranks Project 3 first and reaches the review page, then walks away.
    check_in(page, "Ana Silva", "1980-06-15")
    page.locator(f"#rank-{ids[3]}").select_option("1")
    page.get_by_role("button", name="Review my ballot").click()
    page.wait_for_url("**/review?n=*")
    assert "Project 3" in page.locator("ol.review-list").inner_text()
    review_1 = page.url
    page.goto(page.url.split("/review")[0] + "/timeout")
    page.wait_for_selector("text=Vote here")

    # Resident 2 checks in and has ranked nothing yet.
    check_in(page, "Bo Chen", "1972-02-03")
    for replay in (lambda: page.go_back(), lambda: go_minus_three(page), lambda: page.reload(),
                   lambda: page.goto(review_1)):
        replay()
        page.wait_for_load_state()
        assert "ballot" in page.url or page.url.endswith("/") or "/review" in page.url
        assert "Project 3" not in page.locator("ol.review-list").all_inner_texts().__str__()
        selected = page.locator(f"#rank-{ids[3]}")
        assert not selected.count() or selected.input_value() == ""
        assert page.get_by_role("button", name="Cast my ballot").count() == 0
    assert ballots() == 0

    # Resident 1 casts; resident 3's Back and reload cannot replay the cast.
    page.goto(page.url.split("/kiosk/")[0] + "/kiosk/" + review_1.split("/kiosk/")[1].split("/")[0] + "/")
    check_in(page, "Cy Diop", "1990-07-08")
    page.locator(f"#rank-{ids[2]}").select_option("1")
    page.get_by_role("button", name="Review my ballot").click()
    page.get_by_role("button", name="Cast my ballot").click()
    page.wait_for_url("**/thanks")
    page.get_by_role("link", name="Done").click()
    page.wait_for_selector("text=Vote here")
    for replay in (lambda: page.go_back(), lambda: go_minus_three(page), lambda: page.reload()):
        replay()
        page.wait_for_load_state()
        assert "Project 2" not in page.locator("ol.review-list").all_inner_texts().__str__()
        assert page.get_by_role("button", name="Cast my ballot").count() == 0
        assert "id=\"tracker\"" not in page.content()
    assert ballots() == 1
