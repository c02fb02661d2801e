"""A published result as a resident reads it: funded / not funded badges, a labelled chart, the
rule and its points in plain words (in every language), results by area, turnout against the
eligible population, the publish time with its zone, a CSV with names, and "check it yourself"."""

import csv
import hashlib
import io
import re

import pytest
from sqlalchemy import select

from pb.db import db
from pb.deliberation.services import post_comment
from pb.enums import Channel, IdeaStatus, Phase, Role
from pb.i18n.locales import SHIPPED
from pb.proposals.services import create_project, mark_ready, review_idea, submit_idea
from pb.results.models import TallySnapshot
from pb.survey.services import set_population
from pb.voting.services import cast_ballot
from tests.conftest import open_voting
from tests.results.conftest import staff_client

# Budget $60k, 5 ranks (5-4-3-2-1 points). D: 9x5 = 45, A: 9x4 = 36, B: 7x5 = 35, C: 7x4 = 28.
# D ($40k) is funded, A ($10k) fits in the $20k left; B ($20k) no longer fits in $10k, nor C.
RANKINGS = [("D", "A")] * 9 + [("B", "C")] * 7
LONG_URL = "https://example.org/" + "a" * 280


def _words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _block(html: str, element_id: str) -> str:
    """The inner HTML of the element with this id (up to its closing tag of the same name)."""
    match = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>', html)
    assert match, element_id
    tag = match.group(1)
    return html[match.end():html.index(f"</{tag}>", match.end())]


@pytest.fixture
def decided(app, make):
    """A cycle with ideas behind projects A-D, 16 ballots, counted and published (D, A funded)."""
    staff = make.user(Role.staff)
    cycle = make.cycle(phase=Phase.ideas, budget_cents=60_000_00, actor=staff, languages=["en", "es"])
    north, south = cycle.areas
    ideas = {key: submit_idea(actor=staff, cycle=cycle, title=f"Idea for {key}", body="A useful idea for us.",
                              category="food", locale="en", channel=Channel.paper) for key in "AB"}
    db.session.flush()
    from pb.lifecycle.services import advance

    advance(actor=staff, cycle=cycle, current=Phase.ideas)
    for idea in ideas.values():
        review_idea(actor=staff, idea=idea, status=IdeaStatus.advanced)
    projects = {}
    for key, cents, area in (("A", 10_000_00, north), ("B", 20_000_00, south), ("C", 30_000_00, None),
                             ("D", 40_000_00, None)):
        projects[key] = create_project(actor=staff, cycle=cycle, title=f"Project {key}", summary="A costed project.",
                                       locale="en", cost_cents=cents, category="food", area=area,
                                       ideas=[ideas[key]] if key in ideas else [])
        db.session.flush()
        make.translate_and_review(projects[key])
        mark_ready(actor=staff, project=projects[key])
    for target in (ideas["A"], projects["A"]):  # one unbroken 300-character address (layout tests)
        post_comment(actor=staff, target=target, body=f"Details: {LONG_URL}", locale="en")
    open_voting(cycle, actor=staff)
    for n, order in enumerate(RANKINGS):
        cast_ballot(cycle=cycle, credential=f"test:{n}", ranking=[projects[k].id for k in order],
                    channel=Channel.online, locale="en")
    db.session.commit()
    first, token = staff_client(app, make)
    first.post(f"/admin/cycles/{cycle.slug}/advance", data={"csrf_token": token, "current": "voting"})
    first.post(f"/admin/cycles/{cycle.slug}/count", data={"csrf_token": token})
    snapshot = db.session.scalars(select(TallySnapshot).filter_by(cycle_id=cycle.id)).one()
    second, token2 = staff_client(app, make)
    assert second.post(f"/admin/count/{snapshot.id}/publish", data={"csrf_token": token2}).status_code == 302
    return cycle, projects, ideas


def test_cycle_page_shows_the_outcome_not_the_ballot(decided, client):
    """Once published, the cycle page marks each project funded or not and no longer says
    "Projects on the ballot"."""
    cycle, projects, _ = decided
    page = client.get(f"/cycles/{cycle.slug}").get_data(as_text=True)
    assert "Projects on the ballot" not in page
    assert "Projects and the result of the vote" in page
    cards = {key: _words(page.split(f'href="/projects/{p.id}"', 1)[1].split("</li>", 1)[0])
             for key, p in projects.items()}
    assert {key: "Not funded" not in text and "Funded" in text for key, text in cards.items()} == {
        "A": True, "B": False, "C": False, "D": True}


def test_badges_appear_only_after_publication(make, client):
    """Before a result is public the cycle page lists the ballot and no badge at all."""
    cycle = make.cycle(phase=Phase.development)
    make.project(cycle, title="Project X")
    make.project(cycle, title="Project Y")
    open_voting(cycle)
    page = client.get(f"/cycles/{cycle.slug}").get_data(as_text=True)
    assert "Projects on the ballot" in page and "badge-funded" not in page and "badge-not-funded" not in page


def test_project_and_idea_pages_say_funded_or_not(decided, client):
    """Project pages carry the badge; idea pages show their project's outcome, and the Spanish
    idea page no longer says "Lista para la boleta"."""
    cycle, projects, ideas = decided
    funded = _words(_block(client.get(f"/projects/{projects['A'].id}").get_data(as_text=True), "outcome"))
    not_funded = _words(_block(client.get(f"/projects/{projects['B'].id}").get_data(as_text=True), "outcome"))
    assert funded.startswith("Funded Funded in the vote, with 36 points.")
    assert not_funded.startswith("Not funded Not funded in the vote (35 points).")
    idea_a = client.get(f"/ideas/{ideas['A'].id}").get_data(as_text=True)
    assert _words(_block(idea_a, "idea-outcome")) == "Its project was funded"
    assert "Ready for the ballot" not in idea_a
    client.get("/language/es")
    idea_b = client.get(f"/ideas/{ideas['B'].id}").get_data(as_text=True)
    assert "Lista para la boleta" not in idea_b and "badge-not-funded" in idea_b


def test_chart_bars_carry_their_labels(decided, client):
    """Each bar names its project, its points and whether it was funded, in text."""
    cycle, projects, _ = decided
    page = client.get(f"/cycles/{cycle.slug}/results").get_data(as_text=True)
    rows = [_words(row) for row in re.findall(r'<li class="bar-row">(.*?)</li>', page, re.S)]
    assert rows == ["Project D 45 points Funded", "Project A 36 points Funded",
                    "Project B 35 points Not funded", "Project C 28 points Not funded"]
    table = _words(_block(page, "points"))
    assert "Project B 35 $20,000.00 No" in table


def test_rule_and_points_in_plain_words(decided, client):
    """The rule by its human name, what it does, and rank r of K earning K − r + 1 points."""
    cycle, _, _ = decided
    page = client.get(f"/cycles/{cycle.slug}/results").get_data(as_text=True)
    assert _words(_block(page, "rule-name")) == "Most points first, while the money lasts"
    explained = _words(_block(page, "rule-explained"))
    assert "greedy" not in explained
    assert "funded from the most points down" in explained
    assert _words(_block(page, "points-example")) == (
        "Rank 1: 5 points Rank 2: 4 points Rank 3: 3 points Rank 4: 2 points Rank 5: 1 point")


@pytest.mark.parametrize("locale", sorted(set(SHIPPED) - {"en"}))
def test_rule_explanation_is_translated(decided, app, locale):
    """In every shipped language the rule block reads differently from the English one."""
    cycle, _, _ = decided
    english, other = app.test_client(), app.test_client()
    other.get(f"/language/{locale}")
    blocks = [_words(_block(c.get(f"/cycles/{cycle.slug}/results").get_data(as_text=True), "rule-explained"))
              for c in (english, other)]
    assert blocks[0] != blocks[1]


def test_results_by_area_say_why_ballots_are_not_split(decided, client):
    """Where the money goes by area, and a plain reason for not showing how each area voted."""
    cycle, _, _ = decided
    page = client.get(f"/cycles/{cycle.slug}/results").get_data(as_text=True)
    assert "Ballots do not record where the voter lives" in page
    rows = [_words(r) for r in re.findall(r"<tr>(.*?)</tr>", _block(page, "area-table"), re.S)]
    assert rows[1:] == ["North Project A $10,000.00", "South None $0.00",
                        "More than one area, or no single area Project D $40,000.00"]


def test_no_empty_site_heading(decided, client):
    """All ballots online: no "By site" heading with nothing under it."""
    cycle, _, _ = decided
    page = client.get(f"/cycles/{cycle.slug}/results").get_data(as_text=True)
    assert "By site" not in page and "By way of voting" in page


def test_turnout_uses_the_eligible_population_only_when_every_area_has_it(decided, make, client):
    """16 ballots of 1,000 eligible residents is 1.6%; with one area missing, no rate is shown."""
    cycle, _, _ = decided
    staff = make.user(Role.staff)
    north, south = cycle.areas
    set_population(actor=staff, cycle=cycle, area=north, figures={("age", "18_24"): 300, ("age", "65_plus"): 100})
    db.session.commit()
    assert 'id="turnout"' not in client.get(f"/cycles/{cycle.slug}/results").get_data(as_text=True)
    set_population(actor=staff, cycle=cycle, area=south, figures={("age", "25_34"): 600})
    db.session.commit()
    page = client.get(f"/cycles/{cycle.slug}/results").get_data(as_text=True)
    assert _words(_block(page, "turnout")) == "16 ballots from 1,000 eligible residents (1.6%)"


def test_publish_time_names_its_time_zone(decided, client):
    """The publish time says which time zone it is in."""
    cycle, _, _ = decided
    page = client.get(f"/cycles/{cycle.slug}/results").get_data(as_text=True)
    assert "(Coordinated Universal Time)" in _words(_block(page, "published-at"))


def test_ballots_csv_names_the_projects(decided, client):
    """The CSV has each rank's project number and name, in the published order."""
    cycle, projects, _ = decided
    response = client.get(f"/cycles/{cycle.slug}/results/ballots.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["rank_1", "rank_1_name", "rank_2", "rank_2_name"]
    assert len(rows) == 17
    assert [str(projects["D"].id), "Project D", str(projects["A"].id), "Project A"] in [r[:4] for r in rows]


def test_check_it_yourself_step_by_step(decided, client):
    """Download, count elsewhere, compare: the page's file fingerprint is the downloaded file's."""
    cycle, _, _ = decided
    page = client.get(f"/cycles/{cycle.slug}/results/check").get_data(as_text=True)
    steps = re.findall(r'<li id="step-(\w+)">', page)
    assert steps == ["download", "fingerprint", "count", "compare"]
    download = client.get(f"/cycles/{cycle.slug}/results/ballots.pb").data
    assert _words(_block(page, "file-sha")) == hashlib.sha256(download).hexdigest()
    assert "https://equalshares.net/" in page and "https://pabutools.readthedocs.io/" in page
    assert _words(_block(page, "check-funded")).startswith("Project D")
    results = client.get(f"/cycles/{cycle.slug}/results").get_data(as_text=True)
    assert f'href="/cycles/{cycle.slug}/results/check"' in results


def test_check_page_waits_for_publication(make, client):
    """Before a result is published the check page does not exist."""
    cycle = make.cycle(phase=Phase.development)
    make.project(cycle)
    make.project(cycle)
    open_voting(cycle)
    assert client.get(f"/cycles/{cycle.slug}/results/check").status_code == 404
