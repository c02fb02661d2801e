"""Issue 17's acceptance test: staff run a whole cycle in Chromium, from an empty database with
only the first staff account (what `pb init` leaves) to published results and a corrected
progress report. After that account, every step goes through the browser; the test reads only
the emails caught by a local SMTP server and, at the end, the database."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import expect
from sqlalchemy import func, select

from pb.accounts.models import User
from pb.audit.models import AuditEvent
from pb.cycles.models import Cycle
from pb.db import db
from pb.enums import Phase, Role
from pb.voting.models import Ballot
from tests.voting.test_registration import smtp  # noqa: F401  (fixture)

SLUG = "riverside-2027"
PASSWORD = "a long new password"
PEOPLE = {"liaison": ("lena@example.org", "Lena Okafor"), "observer": ("omar@example.org", "Omar Haddad"),
          "staff": ("sam@example.org", "Sam Rivera")}
IDEAS = {"Evening hours at the north clinic": "Working parents cannot reach the clinic before 5 pm.",
         "A health van for the south bank": "Older people on the south bank cannot get to the clinic."}
SPANISH = {"Evening clinic hours": "Horario de tarde en la clínica",
           "Keep the north clinic open until 8 pm.": "Abrir la clínica del norte hasta las 8 pm.",
           "Mobile health van": "Camioneta de salud",
           "A van visits the south bank twice a week.": "Una camioneta visita la orilla sur dos veces por semana."}


def text_of(mail) -> str:
    part = next(p for p in mail.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode()


def click(page, name: str, *, index: int = 0) -> None:
    """Press a button and wait for the page it loads."""
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).nth(index).click()


def main_text(page) -> str:
    return page.locator("main").inner_text()


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    click(page, "Sign in")
    assert "/admin/" in page.url or "/kiosk/" in page.url, main_text(page)[:500]


def sign_out(page) -> None:
    click(page, "Sign out")


def create_cycle(page) -> None:
    """Step 1: a cycle in English and Spanish, two areas, a budget below the projects' total."""
    page.goto("/admin/")
    page.get_by_role("link", name="Create the first cycle").click()
    page.get_by_label("Web address name (small letters, digits, dashes)").fill(SLUG)
    page.get_by_label("Title").fill("Riverside health budget 2027")
    page.get_by_label("Description").fill("Residents decide how to spend part of the clinic budget.")
    page.locator("input[name=languages][value=es]").check()
    page.get_by_label("Service areas, one per line").fill("North bank\nSouth bank")
    page.get_by_label("Budget", exact=True).fill("50,000")
    page.get_by_label("How many projects each voter may rank").fill("3")
    page.get_by_label("Tie-break").select_option("max-votes,lexicographic")
    page.locator("input[name=use_kiosks]").check()
    today = date.today()
    for days, phase in enumerate(("ideas", "development", "voting", "tallying", "results", "implementation")):
        page.locator(f"input[name=date_{phase}]").fill((today + timedelta(days=7 * days)).isoformat())
    click(page, "Create the cycle")
    assert page.url.endswith(f"/admin/cycles/{SLUG}"), main_text(page)[:800]
    page.get_by_role("link", name="Edit settings and dates").click()
    page.get_by_label("Seconds before an idle kiosk ballot is cleared").fill("90")
    click(page, "Save")
    assert "Cycle settings saved." in main_text(page), main_text(page)[:800]


def advance(page, to: str) -> None:
    page.goto("/admin/")
    click(page, f"Move to “{to}”")
    assert f"Current phase: {to}" in main_text(page), main_text(page)[:800]


def invite_everyone(page, smtp) -> None:  # noqa: F811
    """Step 2: invite three people; each sets a password from the emailed link."""
    for role, (email, name) in PEOPLE.items():
        page.goto("/admin/users")
        form = page.locator("form[action$='/admin/users/invite']")
        form.locator("input[name=email]").fill(email)
        form.locator("input[name=name]").fill(name)
        form.locator("select[name=role]").select_option(role)
        click(page, "Send the invitation")
        assert "Invited, no password yet" in main_text(page)
    links = {m["To"]: re.search(r"(/account/invitation/\S+)", text_of(m)).group(1) for m in smtp.messages}
    assert set(links) == {email for email, _ in PEOPLE.values()}
    context = page.context.browser.new_context(base_url=page.url.split("/admin")[0], locale="en-US")
    other = context.new_page()
    other.set_default_timeout(10_000)
    for email, _ in PEOPLE.values():
        other.goto(links[email])
        assert other.locator("input[name=password]").count() == 1, main_text(other)[:500]
        other.locator("input[name=password]").fill(PASSWORD)
        other.locator("input[name=confirm]").fill(PASSWORD)
        click(other, "Save my password")
        assert "Your password is set" in main_text(other)
    context.close()


def submit_idea(page, smtp) -> None:  # noqa: F811
    """Step 3: a resident signs up (verified by email) and shares two ideas."""
    page.goto("/signup")
    page.fill("input[name=email]", "rosa@example.org")
    page.check("input[name=method][value=password]")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.locator("main form.form button[type=submit]").first.click()
    verify = smtp.messages[-1]
    assert verify["To"] == "rosa@example.org"
    page.goto(re.search(r"https?://[^/\s]+(/\S+)", text_of(verify)).group(1))
    with page.expect_navigation():
        page.locator("main form.form button[type=submit]").first.click()
    for title, body in IDEAS.items():
        page.goto(f"/cycles/{SLUG}/ideas/new")
        assert page.locator("input[name=title]").count() == 1, main_text(page)[:500]
        page.fill("input[name=title]", title)
        page.fill("textarea[name=body]", body)
        page.locator("select[name=category]").select_option(index=1)
        with page.expect_navigation():
            page.locator("main form.form button[type=submit]").click()
        assert "/ideas/" in page.url and title in main_text(page), main_text(page)[:500]


def advance_idea(page, title: str) -> None:
    page.goto(f"/admin/cycles/{SLUG}/ideas?status=all")
    page.get_by_role("link", name=title).first.click()
    page.locator("input[name=status][value=advanced]").check()
    click(page, "Save the answer")


def new_project(page, title: str, summary: str, cost: str, *, idea: str) -> int:
    """From the idea's review page: a costed project in English (its Spanish comes later)."""
    page.goto(f"/admin/cycles/{SLUG}/ideas?status=all")
    page.get_by_role("link", name=idea).first.click()
    with page.expect_navigation():
        page.get_by_role("link", name="Turn this idea into a ballot project").click()
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Summary", exact=True).fill(summary)
    page.get_by_label("Cost estimate (USD)").fill(cost)
    page.get_by_label("Category").select_option(index=1)
    click(page, "Create the project")
    match = re.search(r"/admin/projects/(\d+)/edit", page.url)
    assert match, main_text(page)[:800]
    return int(match.group(1))


def queue_row(page, original: str):
    """Open a text's Spanish translation from the cycle's translation queue, as a liaison would."""
    page.goto("/admin/")
    with page.expect_navigation():
        page.get_by_role("link", name="Translations").first.click()
    with page.expect_navigation():  # the Spanish queue, not the list still showing
        page.locator("main nav a[lang=es]").click()
    row = page.locator("#queue tbody tr", has_text=original)
    expect(row).to_have_count(1)
    with page.expect_navigation():
        row.get_by_role("link").click()


def translate(page, texts: dict[str, str]) -> None:
    """The liaison writes the Spanish title and summary in the translation queue."""
    for original, text in texts.items():
        queue_row(page, original)
        page.locator("[name=text]").fill(text)
        click(page, "Save translation")
        queue_row(page, original)
        assert page.locator("#translation-status").inner_text() == "Waiting for review", main_text(page)[:800]
        click(page, "I checked it: mark as reviewed")  # the translator cannot review their own text
        assert "Someone other than the translator must review" in main_text(page), main_text(page)[:800]


def review(page, originals) -> None:
    """Someone other than the translator checks each text and marks it reviewed."""
    for original in originals:
        queue_row(page, original)
        click(page, "I checked it: mark as reviewed")
        queue_row(page, original)
        assert page.locator("#translation-status").inner_text() == "Reviewed", main_text(page)[:800]


def mark_ready(page, project_id: int) -> None:
    page.goto(f"/admin/projects/{project_id}/edit")
    click(page, "Mark ready for the ballot")
    assert "This project is ready for the ballot." in main_text(page), main_text(page)[:800]


def kiosk_vote(page, project_id: int) -> None:
    """Step 7a: the liaison opens a kiosk; one resident checks in and casts."""
    page.goto("/kiosk/")
    page.get_by_label("Check-in PIN for this shift").fill("4816")
    click(page, "Open kiosk on this device")
    page.get_by_label("Resident's full name").fill("Ana Silva")
    page.get_by_label("Date of birth").fill("1980-06-15")
    page.get_by_label("Neighbourhood where they live").select_option(index=1)
    page.get_by_label("The resident confirms").check()
    page.get_by_label("Liaison's check-in PIN").fill("4816")
    click(page, "Start the ballot")
    page.locator(f"#rank-{project_id}").select_option("1")
    click(page, "Review my ballot")
    click(page, "Cast my ballot")
    expect(page.locator("#tracker")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("link", name="Done").click()
    page.get_by_role("link", name="Leave kiosk mode (liaison)").click()
    page.get_by_label("Liaison password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()


def test_staff_run_a_cycle_from_an_empty_database(app, page, live_server, make, smtp):  # noqa: F811
    """From only the first staff account to published results and a corrected progress report,
    everything done in the browser by staff, a liaison, a second staff member and residents."""
    app.config["PUBLIC_BASE_URL"] = None  # emailed links point at the live server
    first = make.user(Role.staff, email="admin@example.org", name="First Staff", password=PASSWORD)
    db.session.commit()
    liaison, observer, second = (email for email, _ in PEOPLE.values())

    sign_in(page, first.email)
    create_cycle(page)
    invite_everyone(page, smtp)
    advance(page, "Idea collection")
    sign_out(page)

    submit_idea(page, smtp)

    sign_in(page, observer)  # the observer's emailed link worked: they reach the staff dashboard
    assert page.get_by_role("link", name="Participation").count() == 1
    assert page.get_by_role("link", name="New cycle").count() == 0
    sign_out(page)

    # Steps 4 and 5: staff advance the ideas and turn them into two costed projects whose total
    # (58,000) is above the budget (50,000), so the vote decides.
    sign_in(page, first.email)
    for title in IDEAS:
        advance_idea(page, title)
    advance(page, "Proposal development")
    evening, van = (new_project(page, title, summary, cost, idea=idea) for idea, title, summary, cost in (
        ("Evening hours at the north clinic", "Evening clinic hours", "Keep the north clinic open until 8 pm.",
         "30,000"),
        ("A health van for the south bank", "Mobile health van", "A van visits the south bank twice a week.",
         "28,000")))
    sign_out(page)

    sign_in(page, liaison)
    translate(page, SPANISH)
    sign_out(page)

    sign_in(page, second)
    review(page, SPANISH)
    sign_out(page)

    sign_in(page, first.email)
    mark_ready(page, evening)
    mark_ready(page, van)

    # Step 6: sites, codes and the readiness checklist; then voting opens.
    page.goto(f"/admin/cycles/{SLUG}/sites")
    page.get_by_label("Site name (clinic, library, event)").fill("North clinic lobby")
    click(page, "Add site")
    page.goto(f"/admin/cycles/{SLUG}/codes")
    page.get_by_label("Number of codes").fill("3")
    page.get_by_label("Batch name (for example the site or event)").fill("north-fair")
    click(page, "Create and print")
    codes = page.locator(".code-card .tracker").all_inner_texts()
    assert len(codes) == 3
    page.goto(f"/admin/cycles/{SLUG}")
    checklist = page.locator("ul.checklist")
    assert checklist.locator(".check-problem").count() == 0, checklist.inner_text()
    if page.locator("input[name=acknowledge_full_funding]").count():
        page.locator("input[name=acknowledge_full_funding]").check()
    click(page, "Open voting")
    assert "Current phase: Voting" in main_text(page), main_text(page)[:800]
    sign_out(page)

    page.goto(f"/cycles/{SLUG}/vote")
    page.get_by_label("Access code", exact=True).fill(codes[0])
    click(page, "Go to the ballot")
    page.locator(f"#rank-{evening}").select_option("1")
    page.locator(f"#rank-{van}").select_option("2")
    click(page, "Review my ballot")
    click(page, "Cast my ballot")
    expect(page.locator("#tracker")).to_be_visible()

    # Step 7: the liaison runs a kiosk and a paper batch of one sheet.
    sign_in(page, liaison)
    kiosk_vote(page, van)
    page.goto("/kiosk/")
    page.get_by_label("Number of paper ballots received").fill("1")
    click(page, "Open a paper batch")
    batch_url = page.url
    assert "/kiosk/paper/" in batch_url, main_text(page)[:800]
    page.get_by_label("Full name on the sign-in list").fill("Bo Chen")
    page.get_by_label("Date of birth").fill("1975-02-03")
    page.locator("form[action$='/check-ins'] select").select_option(index=1)
    click(page, "Add to the check-in list")
    assert page.locator("#check-ins").inner_text() == "1", main_text(page)[:800]
    page.get_by_label("Sheet number").fill("1")
    page.locator(f"#rank-{van}").select_option("1")
    click(page, "Save sheet")
    sign_out(page)

    sign_in(page, second)  # a second person counts the sheets again and types the sheet again
    page.goto("/admin/")
    page.get_by_role("link", name="Kiosk and paper ballots").click()
    with page.expect_navigation():
        page.locator(f"a[href$='{batch_url.split(live_server)[1]}']").click()
    page.locator("form[action$='/confirm'] input[name=received_count]").fill("1")
    click(page, "Confirm the count")
    page.get_by_label("Sheet number").fill("1")
    page.locator(f"#rank-{van}").select_option("1")
    click(page, "Save sheet")
    click(page, "Close the batch")
    assert "Closed" in main_text(page), main_text(page)[:800]
    sign_out(page)

    # Step 8: close, count; the second staff member publishes.
    sign_in(page, first.email)
    page.get_by_role("link", name="Close voting…").click()
    click(page, "Close voting and seal the ballot box")
    page.get_by_role("link", name="Count and publish").click()
    click(page, "Count the votes")
    sign_out(page)
    sign_in(page, second)
    page.get_by_role("link", name="Count and publish").click()
    click(page, "Sign off and publish")
    assert "The result is published." in main_text(page)
    sign_out(page)

    # Step 9: a progress report, then a correction.
    sign_in(page, first.email)
    advance(page, "Implementation")
    page.goto(f"/projects/{van}")
    with page.expect_navigation():
        page.get_by_role("link", name="Report progress").click()
    page.get_by_label("Amount spent so far", exact=False).fill("5,000")
    page.get_by_label("Percent done").fill("10")
    page.locator("textarea[name=body]").fill("The van was ordered.")
    click(page, "Post")
    with page.expect_navigation():  # the correction form, not a field of the page still showing
        page.get_by_role("link", name="Correct").first.click()
    page.get_by_label("Amount spent so far", exact=False).fill("6,000")
    page.locator("[name=note]").fill("The deposit was higher.")
    click(page, "Save the correction")
    sign_out(page)

    # Step 10: the public pages show it.
    page.goto(f"/cycles/{SLUG}/results")
    funded = page.locator("#funded").inner_text()
    assert "Mobile health van" in funded and "Evening clinic hours" not in funded  # 28,000 + 30,000 > 50,000
    page.goto(f"/projects/{van}")
    body = main_text(page)
    assert "Corrected on" in body and "$6,000.00 spent" in body and "The van was ordered." in body
    page.goto(f"/language/es?next=/projects/{van}")
    assert "Camioneta de salud" in main_text(page)  # the reviewed Spanish title is public

    db.session.rollback()
    cycle = db.session.scalar(select(Cycle).filter_by(slug=SLUG))
    assert cycle.phase == Phase.implementation and cycle.locales == ["en", "es"]
    assert cycle.kiosk_idle_seconds == 90 and cycle.budget_cents == 5_000_000
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 3
    roles = dict(db.session.execute(select(User.email, User.role)).all())
    assert roles[liaison] == Role.liaison and roles[observer] == Role.observer and roles[second] == Role.staff
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).filter_by(action="tally.publish"))
