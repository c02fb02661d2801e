"""Every kind of demo page renders in all 8 languages with no UI string left untranslated."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from pb.db import db
from pb.i18n.locales import SHIPPED
from pb.proposals.models import Idea, Project

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"


def untranslatable_sources(locale: str) -> list[str]:
    """UI strings long enough to be unmistakable whose translation differs from the English."""
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale=locale)
    found = []
    for message in catalog:
        if not message.id or isinstance(message.id, tuple) or "%" in message.id or len(message.id) < 16:
            continue
        if message.string and message.string != message.id:
            found.append(message.id)
    return found


@pytest.fixture
def demo(runner):
    assert runner.invoke(args=["pb", "demo"]).exit_code == 0


@pytest.mark.parametrize("locale", [code for code in SHIPPED if code != "en"])
def test_demo_pages_are_fully_translated(app, client, demo, locale):
    idea = db.session.scalars(select(Idea.id).order_by(Idea.id)).first()
    project = db.session.scalars(select(Project.id).order_by(Project.id)).first()
    urls = ["/", "/cycles/eastside-2027", "/cycles/eastside-2027/ideas", f"/ideas/{idea}",
            f"/projects/{project}", "/cycles/eastside-2027/vote", "/cycles/northgate-2026/results",
            "/cycles/northgate-2026/tracker", "/audit/", "/login", "/accessibility", "/missing-page"]
    client.get(f"/language/{locale}")
    english = untranslatable_sources(locale)
    leftovers = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        text = response.get_data(as_text=True)
        leftovers[url] = [s for s in english if s in text]
    assert {url: found for url, found in leftovers.items() if found} == {}
