"""The home page in a real browser, in two languages, switched with the picker."""

from playwright.sync_api import expect

from pb.db import db
from pb.enums import TranslationStatus
from pb.i18n.content import set_translation


def test_home_renders_and_picker_switches_language(page, make):
    """English by default; choosing Español in the picker translates the page and the cycle."""
    cycle = make.cycle(title="Health Fund")
    set_translation(obj=cycle, field="title", locale="es", text="Fondo de Salud", status=TranslationStatus.reviewed)
    db.session.commit()
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.get_by_role("link", name="Health Fund")).to_be_visible()
    page.get_by_role("link", name="Español").click()
    page.wait_for_url("**/")  # already true of the English page: the check below retries
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("link", name="Fondo de Salud")).to_be_visible()
    page.get_by_role("link", name="العربية").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")


def test_skip_link_is_first_and_moves_focus(page, make):
    """Keyboard users reach the skip link first and it jumps to the main content."""
    make.cycle()
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
