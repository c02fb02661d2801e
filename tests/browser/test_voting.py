"""Casting a ballot in a real browser: with the mouse in English, keyboard-only in Vietnamese."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from pb.db import db
from pb.voting.models import Ballot
from tests.voting.conftest import codes, voting_cycle  # noqa: F401  (fixtures)


def test_cast_in_english_with_the_mouse(page, voting_cycle, codes):  # noqa: F811
    cycle, ids = voting_cycle
    page.goto(f"/cycles/{cycle.slug}")
    page.get_by_role("link", name="Vote now").click()
    page.get_by_label("Access code", exact=True).fill(codes[0])
    page.get_by_role("button", name="Go to the ballot").click()
    page.get_by_label("Your rank for this project").nth(2).select_option("1")
    page.get_by_label("Your rank for this project").nth(0).select_option("2")
    page.get_by_role("button", name="Review my ballot").click()
    items = page.locator(".review-list li")  # read with retries: the ballot may still be showing
    expect(items.nth(0)).to_have_text(re.compile(r"^Project 2"), use_inner_text=True)
    expect(items.nth(1)).to_have_text(re.compile(r"^Project 0"), use_inner_text=True)
    page.get_by_role("button", name="Cast my ballot").click()
    tracker = page.locator("#tracker").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", tracker)
    db.session.rollback()
    assert db.session.scalars(select(Ballot.ranking)).one() == [ids[2], ids[0]]


def test_cast_in_vietnamese_keyboard_only(page, voting_cycle, codes):  # noqa: F811
    """Tab, type and Enter only: reorder with the 'move up' button, review and cast."""
    cycle, ids = voting_cycle
    page.goto("/language/vi?next=/cycles/" + cycle.slug + "/vote")
    assert page.locator("html").get_attribute("lang") == "vi"
    page.locator("#code").focus()
    page.keyboard.type(codes[1])
    page.keyboard.press("Enter")
    page.locator("form#ballot").wait_for()  # the ballot answers the code itself
    for index, presses in ((0, 1), (3, 2)):  # rank 1, then rank 2, chosen with arrow keys
        page.locator(f"#rank-{ids[index]}").focus()
        for _ in range(presses):
            page.keyboard.press("ArrowDown")
    # The ranking panel (JavaScript) lists both; move the second one up with the keyboard.
    panel_buttons = page.locator("#ranking-panel .ranking-list li").nth(1).locator("button")
    panel_buttons.first.focus()
    page.keyboard.press("Enter")
    assert page.locator(f"#rank-{ids[3]}").input_value() == "1"
    assert page.locator(f"#rank-{ids[0]}").input_value() == "2"
    page.locator("form#ballot button[type=submit]").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/ballot")
    page.locator("button[value=cast]").focus()
    page.keyboard.press("Enter")
    page.locator("#tracker").wait_for()  # the confirmation answers the cast itself
    expect(page.locator("#tracker")).to_be_visible()
    db.session.rollback()
    assert db.session.scalars(select(Ballot.ranking)).one() == [ids[3], ids[0]]
    assert db.session.scalars(select(Ballot.locale)).one() == "vi"
