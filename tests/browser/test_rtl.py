"""Arabic ballot: right to left in markup and in the rendered layout."""

from tests.voting.conftest import codes, voting_cycle  # noqa: F401  (fixtures)


def test_arabic_ballot_is_laid_out_right_to_left(page, voting_cycle, codes, tmp_path):  # noqa: F811
    cycle, ids = voting_cycle
    page.goto(f"/language/ar?next=/cycles/{cycle.slug}/vote")
    page.fill("#code", codes[0])
    page.locator("form[action$='/vote/code'] button").click()
    page.locator("form#ballot").wait_for()  # the ballot answers the code itself
    page.wait_for_load_state()  # measured with the stylesheet applied and the page complete
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    heading = page.locator("h1").bounding_box()
    width = page.viewport_size["width"]
    assert heading["x"] + heading["width"] > width / 2  # the heading starts on the right
    label = page.locator(f"label[for=rank-{ids[0]}]").bounding_box()
    select = page.locator(f"#rank-{ids[0]}").bounding_box()
    assert label["x"] + label["width"] >= select["x"] + select["width"] - 2  # label aligned right
    shot = tmp_path / "ballot-ar.png"
    page.screenshot(path=shot, full_page=True)
    assert shot.stat().st_size > 10_000
