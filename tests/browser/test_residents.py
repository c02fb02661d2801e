"""A resident in a real browser (Chromium): signs up in Spanish, gets the Spanish verification
email through a local SMTP server, verifies, shares an idea, follows a project, gets a Spanish
email when staff answer the idea, unsubscribes with one click and sees the answer on "My
activity". A second resident signs in with a one-time emailed link only."""

from __future__ import annotations

import re

from sqlalchemy import select

from pb.db import db
from pb.enums import IdeaStatus, Phase, Role
from pb.proposals.models import Idea
from pb.proposals.services import review_idea
from pb.transaction import transaction
from tests.voting.test_registration import smtp  # noqa: F401  (fixture)


def part(mail, subtype: str) -> str:
    found = next(p for p in mail.walk() if p.get_content_type() == f"text/{subtype}")
    return found.get_payload(decode=True).decode()


def link_in(mail, base: str) -> str:
    return re.search(re.escape(base) + r"(/\S+)", part(mail, "plain")).group(1)


def submit(page, button=None):
    """Press the form's button and wait for the page it leads to (not the one still showing)."""
    with page.expect_navigation():
        (button or page.locator("main form.form button[type=submit]").first).click()


def test_resident_signs_up_in_spanish_hears_back_and_unsubscribes(app, page, live_server, make, smtp):  # noqa: F811
    """The whole loop for a new resident, in Spanish, without a single CLI call."""
    app.config["PUBLIC_BASE_URL"] = None  # links point at the live server the browser uses
    ideas = make.cycle(phase=Phase.ideas, languages=["es"])
    funded = make.cycle(phase=Phase.development, languages=["es"])
    project = make.project(funded)
    staff = make.user(Role.staff)
    db.session.commit()

    page.goto("/language/es")
    page.goto("/signup")
    page.fill("input[name=email]", "lucia@example.org")
    page.check("input[name=method][value=password]")
    page.fill("input[name=password]", "una clave bastante larga")
    submit(page)
    assert len(smtp.messages) == 1, page.locator("main").inner_text()  # the page says why, if not
    [verify] = smtp.messages
    assert 'lang="es"' in part(verify, "html")
    page.goto(link_in(verify, live_server))
    submit(page)
    assert page.url.endswith("/me")

    page.goto(f"/cycles/{ideas.slug}/ideas/new")
    page.fill("input[name=title]", "Sombra en la parada")
    page.fill("textarea[name=body]", "La parada del autobús necesita un techo para la sombra.")
    page.select_option("select[name=category]", "transport")
    submit(page)
    page.goto(f"/projects/{project.id}")
    submit(page, page.locator("form.follow button"))

    db.session.commit()  # a fresh snapshot: the browser's requests wrote the idea
    idea = db.session.scalars(select(Idea)).one()
    with app.test_request_context(base_url=live_server), transaction():
        review_idea(actor=staff, idea=idea, status=IdeaStatus.not_feasible, reason="No cabe en la acera.")
    answer = smtp.messages[-1]
    assert answer["To"] == "lucia@example.org" and 'lang="es"' in part(answer, "html")
    assert "No cabe en la acera." in part(answer, "plain")
    unsubscribe = re.search(r"/unsubscribe/\S+", part(answer, "plain")).group(0)
    page.goto(unsubscribe)
    submit(page)
    page.goto("/me")
    body = page.locator("main").inner_text()
    assert "Sombra en la parada" in body and "No cabe en la acera." in body
    assert "Stop following" in body or "Dejar de seguir" in body
    with app.test_request_context(base_url=live_server), transaction():
        review_idea(actor=staff, idea=db.session.get(Idea, idea.id), status=IdeaStatus.under_review)
    assert smtp.messages[-1] is answer  # unsubscribed: no further notification


def test_second_resident_uses_a_one_time_link_only(app, page, live_server, make, smtp):  # noqa: F811
    """Sign-up without a password, then sign in again later with an emailed link only."""
    app.config["PUBLIC_BASE_URL"] = None
    page.goto("/signup")
    page.fill("input[name=email]", "omar@example.org")
    page.check("input[name=method][value=link]")
    submit(page)
    page.goto(link_in(smtp.messages[0], live_server))
    submit(page)
    assert page.url.endswith("/me")
    submit(page, page.get_by_role("button", name="Sign out"))
    page.goto("/login/link")
    page.fill("input[name=email]", "omar@example.org")
    submit(page)
    page.goto(link_in(smtp.messages[1], live_server))
    submit(page)
    assert page.url.endswith("/me")
