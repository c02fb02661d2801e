"""From idea to ballot in a real browser: a resident shares an idea in Spanish, staff answer
two ideas (one rejected with a reason, one costed into a ballot project), the public sees both."""

from playwright.sync_api import expect
from sqlalchemy import select

from pb.db import db
from pb.enums import Channel, Phase, Role
from pb.proposals.models import Project
from pb.proposals.services import submit_idea
from tests.conftest import DEFAULT_PASSWORD


def sign_in(page, user):
    page.goto("/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    with page.expect_navigation():  # the load state of the page after, not of the form
        page.get_by_role("button", name="Sign in").click()


def sign_out(page):
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()


def test_idea_to_ballot_and_public_answers(page, make):
    """Spanish idea → advanced → costed project ready for the ballot; second idea rejected with a
    reason; the public idea list and pages show both outcomes."""
    cycle = make.cycle(phase=Phase.ideas, title="Health Fund", languages=["es"])
    resident, staff = make.user(Role.resident), make.user(Role.staff)
    other = submit_idea(actor=resident, author=resident, cycle=cycle, channel=Channel.online,
                        title="Repave Main Street", body="The road is full of holes and needs repaving.",
                        category="transport", locale="en")
    db.session.commit()

    sign_in(page, resident)
    page.goto(f"/cycles/{cycle.slug}")
    page.get_by_role("link", name="Share an idea").click()
    page.get_by_label("Title").fill("Frutas frescas en la escuela")
    page.get_by_label("Describe your idea").fill("Un puesto de frutas frescas cada semana en la escuela del barrio.")
    page.get_by_label("Category").select_option("food")
    page.get_by_label("Neighbourhood").select_option("south")
    page.get_by_label("Language you are writing in").select_option("es")
    with page.expect_navigation():  # "**/ideas/*" also matches the form's own .../ideas/new
        page.get_by_role("button", name="Share my idea").click()
    page.wait_for_url("**/ideas/*")
    assert page.get_by_role("heading", level=1).inner_text() == "Frutas frescas en la escuela"
    expect(page.get_by_text("Written in Español")).to_be_visible()
    idea_url = page.url
    sign_out(page)

    sign_in(page, staff)
    page.get_by_role("link", name="Review ideas and projects").click()
    page.get_by_role("link", name="Repave Main Street").click()
    page.get_by_label("Not eligible").check()
    page.get_by_label("Public reason").fill("The fund pays for health projects, not road repairs.")
    page.get_by_role("button", name="Save the answer").click()
    expect(page.get_by_text("The idea's status is now “Not eligible”.")).to_be_visible()

    page.get_by_role("link", name="Frutas frescas en la escuela").click()
    page.get_by_label("Advanced to project development").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save the answer").click()
    page.get_by_role("link", name="Turn this idea into a ballot project").click()
    expect(page.get_by_label("Title", exact=True)).to_have_value("Frutas frescas en la escuela")
    page.get_by_label("Cost estimate (USD)").fill("12,500.00")
    page.get_by_label("Cost breakdown (optional)").fill("Fruit, 40 weeks: 10,000.00\nStand and staff: 2,500.00")
    page.get_by_role("button", name="Create the project").click()
    page.get_by_label("Language of this translation").select_option("en")
    page.locator("#translation-title").fill("Fresh fruit at school")
    page.locator("#translation-summary").fill("A fresh fruit stand at the school every week.")
    with page.expect_navigation():  # the same page has "Mark ready": saved before it is pressed
        page.get_by_role("button", name="Save this translation").click()
    page.get_by_role("button", name="Mark ready for the ballot").click()
    expect(page.get_by_text("reviewed translation").first).to_be_visible()  # not before a second person reviews
    _review_all(make)
    page.goto(page.url.replace("/ready", "/edit"))
    page.get_by_role("button", name="Mark ready for the ballot").click()
    expect(page.get_by_text("The project is ready for the ballot.").first).to_be_visible()
    sign_out(page)

    page.goto(f"/cycles/{cycle.slug}/ideas")
    expect(page.get_by_role("link", name="Not eligible: 1")).to_be_visible()
    expect(page.get_by_role("link", name="Advanced to project development: 1")).to_be_visible()
    page.goto(idea_url)
    expect(page.get_by_role("link", name="Fresh fruit at school")).to_be_visible()
    expect(page.get_by_text("$12,500.00")).to_be_visible()
    expect(page.get_by_text("Ready for the ballot")).to_be_visible()
    page.goto(f"/ideas/{other.id}")
    assert page.locator(".reason").first.inner_text() == "The fund pays for health projects, not road repairs."
    db.session.rollback()
    project = db.session.scalars(select(Project)).one()
    assert (project.cost_cents, project.locale, project.status) == (1_250_000, "es", "ready")


def _review_all(make):
    """A second person (here through the service) reviews every pending project translation."""
    from sqlalchemy import select

    from pb.db import db
    from pb.i18n.models import ContentTranslation
    from pb.proposals.models import Project
    from pb.translations.services import review_translation

    db.session.rollback()  # end this test's read snapshot: the server has written since
    reviewer = make.user(Role.liaison)
    for row in db.session.scalars(select(ContentTranslation).filter_by(object_type="Project")).all():
        review_translation(actor=reviewer, obj=db.session.get(Project, row.object_id), field=row.field, locale=row.locale)
    db.session.commit()


def test_idea_and_review_pages_pass_axe(browser, live_server, make):
    """The idea form, the filtered list and the staff review and project pages, with their error
    messages showing, have no serious or critical axe issue."""
    from tests.browser.test_a11y import axe_violations

    cycle = make.cycle(phase=Phase.ideas, languages=["es"])
    resident, staff = make.user(Role.resident), make.user(Role.staff)
    idea = submit_idea(actor=resident, author=resident, cycle=cycle, channel=Channel.online,
                       title="Repave Main Street", body="The road is full of holes and needs repaving.",
                       category="transport", locale="en")
    db.session.commit()
    context = browser.new_context(base_url=live_server, bypass_csp=True, locale="en-US")
    page = context.new_page()
    found = {}
    sign_in(page, staff)
    for url, button in ((f"/cycles/{cycle.slug}/ideas/new", "Share my idea"),
                        (f"/cycles/{cycle.slug}/ideas/new/on-behalf", "Enter this idea"),
                        (f"/admin/ideas/{idea.id}/review", "Save the answer")):
        page.goto(url)
        with page.expect_navigation():  # axe reads the answer, not the empty form still showing
            page.get_by_role("button", name=button).click()  # empty form: every field shows its error
        found[url] = axe_violations(page)
    for url in (f"/cycles/{cycle.slug}/ideas?q=road&status=submitted", f"/ideas/{idea.id}",
                f"/admin/cycles/{cycle.slug}/ideas"):
        page.goto(url)
        found[url] = axe_violations(page)
    page.goto(f"/admin/ideas/{idea.id}/review")
    page.get_by_label("Advanced to project development").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save the answer").click()
    page.get_by_role("link", name="Turn this idea into a ballot project").click()
    page.get_by_label("Cost estimate (USD)").fill("12.345")
    with page.expect_navigation():
        page.get_by_role("button", name="Create the project").click()
    found["new project"] = axe_violations(page)
    page.get_by_label("Cost estimate (USD)").fill("500")
    with page.expect_navigation():
        page.get_by_role("button", name="Create the project").click()
    found["edit project"] = axe_violations(page)
    context.close()
    assert {url: problems for url, problems in found.items() if problems} == {}
