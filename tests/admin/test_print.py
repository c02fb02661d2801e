"""Printed material: the paper ballot and access-code cards, each wholly in the chosen
language (right-to-left for Arabic), and paper entry in the typist's language."""

import re
from datetime import date

import pytest

from pb.db import db
from pb.enums import Phase, Role
from pb.kiosk.paper_services import open_batch
from pb.kiosk.services import add_site
from tests.conftest import csrf_from, login, open_voting


@pytest.fixture
def cycle(make):
    """A cycle in English, Spanish and Arabic with three projects on the ballot."""
    staff = make.user(Role.staff)
    cycle = make.cycle(phase=Phase.development, languages=["es", "ar"], actor=staff, budget_cents=50_000_00)
    for title, cost in (("Food van", 30_000_00), ("Bus shelter", 12_000_00), ("Clinic garden", 20_000_00)):
        make.project(cycle, cost_cents=cost, title=title)
    cycle.use_kiosks = True
    add_site(actor=staff, cycle=cycle, name="Eastside Library")
    db.session.commit()
    return cycle


def signed_in(app, make, role):
    client = app.test_client()
    login(client, make.user(role))
    return client


def test_paper_ballot_in_english_numbers_projects_with_costs_and_plain_instructions(app, make, cycle):
    """The English ballot lists every ballot project numbered in ballot order with its cost,
    says how to rank and how many, and where to hand it in."""
    page = signed_in(app, make, Role.liaison).get(f"/admin/cycles/{cycle.slug}/paper-ballot?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and '<html lang="en" dir="ltr">' in html
    rows = re.findall(r'<th scope="row">(\d+)</th>.*?<strong>\s*<span lang="en"[^>]*>([^<]+)</span></strong>.*?'
                      r'class="cost">([^<]+)<', html, re.S)
    assert rows == [("1", "Bus shelter", "$12,000.00"), ("2", "Clinic garden", "$20,000.00"),
                    ("3", "Food van", "$30,000.00")]
    assert "Write 1 in the box next to the project you want most." in html
    assert "You can rank up to 5 projects." in html and "Eastside Library" in html
    assert "not all of them can be funded" in html  # $62,000 of projects on a $50,000 budget
    assert "print.css" in html and "paper-letter" in html


def test_paper_ballot_in_arabic_is_right_to_left_and_in_arabic(app, make, cycle):
    """?lang=ar renders the whole ballot in Arabic, right to left, whatever the screen's language;
    A4 paper can be chosen."""
    page = signed_in(app, make, Role.staff).get(f"/admin/cycles/{cycle.slug}/paper-ballot?lang=ar&paper=a4")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and '<html lang="ar" dir="rtl">' in html and "paper-a4" in html
    assert len(re.findall(r'<span lang="ar"[^>]*>Food van \[ar\]</span>', html)) == 1  # the reviewed translation
    table = html[html.index('<table class="ballot">'):html.index("</table>")]
    assert "pending" not in table  # every project reads in Arabic (the cycle title has no translation)
    assert "30,000.00\xa0US$" in table and "$30,000.00" not in table  # Arabic money format, not the screen's


def test_paper_ballot_for_an_unknown_language_falls_back_to_the_cycles_own(app, make, cycle):
    """A language the cycle does not offer shows the cycle's own language, never an error."""
    for lang in ("xx", "", "<script>", "ar/../en"):
        page = signed_in(app, make, Role.staff).get(f"/admin/cycles/{cycle.slug}/paper-ballot",
                                                     query_string={"lang": lang, "paper": "tabloid"})
        assert page.status_code == 200 and '<html lang="en" dir="ltr">' in page.get_data(as_text=True)


def test_code_cards_in_the_chosen_language_with_a_wrapping_address(app, make, cycle):
    """Cards printed in Spanish carry no English card text, and the web address sits in an
    element that wraps inside its card."""
    client = signed_in(app, make, Role.staff)
    token = csrf_from(client.get(f"/admin/cycles/{cycle.slug}/codes").get_data(as_text=True))
    sheet = client.post(f"/admin/cycles/{cycle.slug}/codes",
                        data={"count": "2", "batch": "library", "language": "es", "csrf_token": token})
    html = sheet.get_data(as_text=True)
    assert sheet.status_code == 200 and '<html lang="es" dir="ltr">' in html
    assert html.count('class="code-card"') == 2
    cards = html[html.index('<ul class="code-sheet"'):]
    assert "QR code that opens the voting page" not in cards  # translated in the Spanish catalog
    assert re.search(r'<bdi class="web-address" dir="ltr">http://localhost/cycles/[\w-]+/vote</bdi>', cards)
    arabic = client.post(f"/admin/cycles/{cycle.slug}/codes",
                         data={"count": "1", "batch": "clinic", "language": "ar", "csrf_token": token})
    assert '<html lang="ar" dir="rtl">' in arabic.get_data(as_text=True)


def test_paper_entry_lists_projects_in_the_typists_language_with_ballot_numbers(app, make, cycle):
    """A Spanish-speaking typist sees the Spanish titles, numbered as on the paper ballot."""
    open_voting(cycle)
    liaison = make.user(Role.liaison)
    batch = open_batch(actor=liaison, cycle=cycle, site=cycle_site(cycle), received_on=date(2027, 1, 5),
                       received_count=3)
    db.session.commit()
    client = app.test_client()
    login(client, make.user(Role.liaison))
    client.get("/language/es")
    html = client.get(f"/kiosk/paper/{batch.id}").get_data(as_text=True)
    labels = re.findall(r'<label for="rank-\d+">[^<]*?(\d+):? <span lang="([\w-]+)">([^<]+)</span>', html)
    assert [(n, lang, title) for n, lang, title in labels] == [
        ("1", "es", "Bus shelter [es]"), ("2", "es", "Clinic garden [es]"), ("3", "es", "Food van [es]")]


def cycle_site(cycle):
    from pb.kiosk.models import Site

    return db.session.query(Site).filter_by(cycle_id=cycle.id).one()
