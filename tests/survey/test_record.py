"""The community-benefit record (printable page and CSV) and the public equity page after
publication."""

import re

import pytest

from pb.db import db
from pb.enums import Channel, Role
from pb.survey import services
from pb.survey.export import csv_text, safe_cell
from tests.conftest import login
from tests.results.conftest import cast_cycle, published  # noqa: F401  (fixtures)
from tests.voting.conftest import voting_cycle  # noqa: F401


def test_csv_cells_cannot_run_as_formulas():
    """= + - @ at the start of a cell get an apostrophe; the file starts with a BOM."""
    assert [safe_cell(v) for v in ("=1+1", "+1", "-2", "@SUM(A1)", "ok", None, 3)] == \
        ["'=1+1", "'+1", "'-2", "'@SUM(A1)", "ok", "", "3"]
    assert csv_text([["a", "=b"]]) == "\ufeffa,'=b\r\n"


def test_record_covers_process_people_ideas_decision_and_grants(app, make, published):  # noqa: F811
    """The record names the phases, channels and languages, ballots counted, the rule and
    each funded project with its amount; the CSV has a BOM; staff only."""
    cycle, ids = published
    client = app.test_client()
    assert client.get(f"/admin/cycles/{cycle.slug}/community-benefit").status_code == 302  # sign in first
    login(client, make.user(Role.staff))
    page = client.get(f"/admin/cycles/{cycle.slug}/community-benefit").get_data(as_text=True)
    for part in ("1. The process", "2. Who was consulted", "3. What they said", "4. What was decided",
                 "5. Funded projects", "23 ballots were counted", "record-print.css", "Project 3"):
        assert part in page, part
    csv = client.get(f"/admin/cycles/{cycle.slug}/community-benefit.csv")
    body = csv.get_data(as_text=True)
    assert csv.mimetype == "text/csv" and body.startswith("\ufeff") and "Project 3" in body


@pytest.fixture
def answered(cast_cycle):  # noqa: F811
    """While voting: 25 people aged 25-34 and 5 aged 18-24 answer the survey."""
    cycle, _ids = cast_cycle
    for age in ["25_34"] * 25 + ["18_24"] * 5:
        services.submit_response(cycle=cycle, ticket=services.new_ticket(cycle, Channel.online),
                                 raw={"age": age}, locale="en")
    db.session.commit()


def test_public_equity_page_after_publication_has_no_cell_under_20(app, answered, published):  # noqa: F811
    """5 is hidden and takes 25 with it (or 30 - 25 would give the 5 back); every count
    shown is 0 or at least 20."""
    cycle, _ids = published
    page = app.test_client().get(f"/cycles/{cycle.slug}/equity")
    assert page.status_code == 200
    table = page.get_data(as_text=True).split('id="compare-age"')[1].split("</table>")[0]
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th>\s*<td>([^<]+)</td>', table))
    assert rows["25 to 34"] == rows["18 to 24"] == "fewer than 20"
    assert rows["All answers"] == "30"  # 5 + 25 = 30: neither can be told from the total
    counts = [int(v) for v in rows.values() if v.isdigit()]
    assert all(n == 0 or n >= 20 for n in counts), rows


@pytest.fixture
def answered_by_area(cast_cycle, make):  # noqa: F811
    """While voting: north 22 / 15 / 22 aged 18-24 / 25-34 / 35-44 and 15 who prefer not to say;
    south 22 / 25 / 22; half of south's residents are 25-34 (so a sentence names them)."""
    cycle, _ids = cast_cycle
    north, south = (a.slug for a in cycle.areas)
    for area, counts in ((north, {"18_24": 22, "25_34": 15, "35_44": 22, "prefer_not": 15}),
                         (south, {"18_24": 22, "25_34": 25, "35_44": 22})):
        for age, n in counts.items():
            for _ in range(n):
                services.submit_response(cycle=cycle, ticket=services.new_ticket(cycle, Channel.online),
                                         raw={"age": age, "area": area}, locale="en")
    services.import_population(actor=make.user(Role.staff), cycle=cycle, text=(
        "area,question,band,count\n"
        f"{north},age,18_24,2100\n{north},age,25_34,4000\n{north},age,35_44,3900\n"
        f"{south},age,18_24,500\n{south},age,25_34,500\n"))
    db.session.commit()


def _shown_cells(html: str) -> dict[str, str]:
    table = html.split('id="compare-age"')[1].split("</table>")[0]
    return dict(re.findall(r'<th scope="row">([^<]+)</th>\s*<td>([^<]+)</td>', table))


def test_no_hidden_cell_comes_back_from_a_public_table_and_a_sentence(app, make, answered_by_area, published):  # noqa: F811
    """North's 15 aged 25-34 is under 20, so hidden. The sentence "25 to 34 are 50% of South
    and 36% of the people there who took part" gives South's 25 (36% of its 69); so the
    all-areas 40 must not be shown beside it, on the public equity page or in the record."""
    cycle, _ids = published
    staff = app.test_client()
    login(staff, make.user(Role.staff))
    for page in (app.test_client().get(f"/cycles/{cycle.slug}/equity").get_data(as_text=True),
                 staff.get(f"/admin/cycles/{cycle.slug}/community-benefit").get_data(as_text=True)):
        assert "50% of South and 36% of the people there" in page
        assert _shown_cells(page)["25 to 34"] != "40"
