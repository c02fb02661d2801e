"""The anonymous participant survey: offered once per ballot, unlinkable, sealed with the box;
population figures; equity reports checked by hand; staff-only live turnout."""

import re
from fractions import Fraction

import pytest
from sqlalchemy import func, inspect, select

from pb import clock
from pb.audit.models import AuditEvent
from pb.db import db
from pb.enums import Channel, Phase, Role
from pb.lifecycle.services import advance
from pb.survey import queries, services
from pb.survey.models import PopulationCount, SurveyResponse, SurveyTicketUse, TurnoutDay
from pb.survey.questions import BY_KEY
from pb.survey.suppression import PUBLIC_MIN, STAFF_MIN
from pb.voting.models import Ballot, VoteMark
from pb.voting.services import issue_access_codes
from tests.conftest import csrf_from, login
from tests.voting.conftest import enter_code, ranks, voting_cycle  # noqa: F401  (fixture)


@pytest.fixture
def codes(voting_cycle):  # noqa: F811
    cycle, _ = voting_cycle
    issued = issue_access_codes(actor=None, cycle=cycle, count=30, batch="survey")
    db.session.commit()
    return issued


def vote(client, cycle, ids, code):
    token = enter_code(client, cycle, code)
    cast = client.post(f"/cycles/{cycle.slug}/ballot", data={"csrf_token": token, "step": "cast", **ranks(ids, 0)})
    assert cast.status_code == 200  # the confirmation answers the cast itself
    return cast.get_data(as_text=True)


def answer(client, cycle, **answers):
    page = client.get(f"/cycles/{cycle.slug}/survey")
    return client.post(f"/cycles/{cycle.slug}/survey",
                       data={"csrf_token": csrf_from(page.get_data(as_text=True)), **answers})


def test_resident_answers_the_survey_in_spanish_after_voting(client, voting_cycle, codes):  # noqa: F811
    """After casting, the thank-you page offers the survey; it says in plain words that the
    answers cannot be linked to the ballot, and the answers are stored in Spanish."""
    cycle, ids = voting_cycle
    client.get("/language/es")
    thanks = vote(client, cycle, ids, codes[0])
    assert f"/cycles/{cycle.slug}/survey" in thanks
    page = client.get(f"/cycles/{cycle.slug}/survey").get_data(as_text=True)
    assert 'lang="es"' in page and 'id="survey-secret"' in page
    assert 'name="race"' in page and "immigra" not in page.lower()
    response = answer(client, cycle, age="18_24", race=["asian", "hispanic"], gender="prefer_not",
                      area=cycle.areas[0].slug)
    assert response.status_code == 302
    stored = db.session.scalars(select(SurveyResponse)).one()
    assert (stored.channel, stored.locale) == (Channel.online, "es")
    assert stored.answers == {"age": "18_24", "race": ["asian", "hispanic"], "gender": "prefer_not",
                              "area": cycle.areas[0].slug}


def test_one_ballot_gives_at_most_one_answer(client, voting_cycle, codes):  # noqa: F811
    """A second answer, even with the old session cookie replayed, stores nothing more;
    without a ballot there is no survey to answer."""
    cycle, ids = voting_cycle
    stranger = client.application.test_client()
    token = csrf_from(stranger.get("/login").get_data(as_text=True))
    refused = stranger.post(f"/cycles/{cycle.slug}/survey", data={"csrf_token": token, "age": "25_34"})
    assert "offered once, right after you vote" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 0
    vote(client, cycle, ids, codes[0])
    page = client.get(f"/cycles/{cycle.slug}/survey").get_data(as_text=True)
    with client.session_transaction() as saved:
        old = dict(saved)
    form = {"csrf_token": csrf_from(page), "age": "25_34"}
    assert client.post(f"/cycles/{cycle.slug}/survey", data=form).status_code == 302
    with client.session_transaction() as s:
        s.update(old)
    assert client.post(f"/cycles/{cycle.slug}/survey", data=form).status_code == 302  # told: already answered
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1


def test_bad_answers_get_a_clear_error_and_change_nothing(client, voting_cycle, codes):  # noqa: F811
    """An answer outside the lists is refused with a message; the ticket stays usable."""
    cycle, ids = voting_cycle
    vote(client, cycle, ids, codes[0])
    refused = answer(client, cycle, age="<script>", gender="man")
    assert refused.status_code == 400 and "Choose answers from the lists." in refused.get_data(as_text=True)
    both = answer(client, cycle, race=["asian", "prefer_not"])
    assert both.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 0
    assert answer(client, cycle, gender="man").status_code == 302


def test_survey_answers_cannot_be_joined_to_ballots_or_voters(app, client, make, voting_cycle, codes):  # noqa: F811
    """No shared key, no time column, no voter column; after the seal the rows are rewritten
    in random order (not in answering order) and the used tickets are gone."""
    cycle, ids = voting_cycle
    columns = {c["name"] for c in inspect(db.engine).get_columns("survey_response")}
    assert columns == {"id", "cycle_id", "channel", "locale", "answers"}
    for n in range(25):
        voter = app.test_client()
        vote(voter, cycle, ids, codes[n])
        answer(voter, cycle, age=["18_24", "25_34", "35_44", "45_54", "55_64"][n % 5], first_time="yes")
    responses = db.session.scalars(select(SurveyResponse)).all()
    ballots = db.session.scalars(select(Ballot)).all()
    assert len(responses) == 25 and not {r.id for r in responses} & {b.id for b in ballots}
    assert all(len(r.id) == 32 for r in responses)
    assert db.session.scalar(select(func.count()).select_from(SurveyTicketUse)) == 25
    before = sorted(r.id for r in responses)
    advance(actor=make.user(Role.staff), cycle=cycle, current=Phase.voting)
    db.session.commit()
    assert sorted(db.session.scalars(select(SurveyResponse.id))) == before  # same answers, rewritten
    assert db.session.scalar(select(func.count()).select_from(SurveyTicketUse)) == 0
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "survey.seal")) == 1
    assert db.session.scalar(select(func.count()).select_from(VoteMark)) == 25
    # The survey closed with voting: a late answer is refused.
    with pytest.raises(services.WrongPhase):
        services.submit_response(cycle=cycle, ticket=services.new_ticket(cycle, Channel.online), raw={}, locale="en")
    db.session.rollback()


def test_the_seal_rewrites_answers_into_fresh_storage_in_random_order(make, voting_cycle):  # noqa: F811
    """Answers written in a known order come back in a different physical order after the seal
    (SQLite: the table is stored by random key; PostgreSQL: TRUNCATE and re-insert), and on
    PostgreSQL every row carries the seal's transaction id, not the answer's."""
    cycle, _ids = voting_cycle
    written = []
    for n in range(40):
        r = services.submit_response(cycle=cycle, ticket=services.new_ticket(cycle, Channel.kiosk, "en"),
                                     raw={"first_time": "yes" if n % 2 else "no"}, locale="en")
        written.append(r.id)
        db.session.commit()
    advance(actor=make.user(Role.staff), cycle=cycle, current=Phase.voting)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        xmins = set(db.session.execute(db.text("SELECT xmin::text FROM survey_response")).scalars())
        assert len(xmins) == 1
        physical = list(db.session.execute(db.text("SELECT id FROM survey_response ORDER BY ctid")).scalars())
    else:
        physical = list(db.session.execute(db.text("SELECT id FROM survey_response")).scalars())
        assert physical == sorted(physical)  # stored by its random key: key order, not time order
    assert physical != written


def population_csv(cycle) -> str:
    north, south = (a.slug for a in cycle.areas)
    return ("area,question,band,count\n"
            f"{north},age,18_24,2100\n{north},age,25_34,4000\n{north},age,35_44,3900\n"
            f"{south},age,18_24,500\n{south},age,25_34,500\n")


def test_population_csv_is_checked_strictly_and_all_or_nothing(client, make):
    """Bad lines are listed by number and nothing is saved; a good file replaces the figures."""
    cycle = make.cycle(phase=Phase.ideas)
    staff = make.user(Role.staff)
    login(client, staff)
    page = client.get(f"/admin/cycles/{cycle.slug}/population").get_data(as_text=True)
    token = csrf_from(page)
    bad = population_csv(cycle) + "nowhere,age,18_24,5\nnorth,age,18_24,=1+1\nnorth,shoe_size,9,4\nnorth,age\n"
    response = client.post(f"/admin/cycles/{cycle.slug}/population/import", data={"csrf_token": token, "text": bad})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    for line in ("Line 7", "Line 8", "Line 9", "Line 10"):
        assert line in body
    assert db.session.scalar(select(func.count()).select_from(PopulationCount)) == 0
    good = client.post(f"/admin/cycles/{cycle.slug}/population/import",
                       data={"csrf_token": token, "text": population_csv(cycle)})
    assert good.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(PopulationCount)) == 5
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "population.import")) == 1


def _synthetic(make, cycle):
    """North: 12 aged 18-24, 60 aged 25-34, 25 aged 35-44, 3 prefer not; south: 30 aged 25-34."""
    north, south = (a.slug for a in cycle.areas)
    people = ([("18_24", north)] * 12 + [("25_34", north)] * 60 + [("35_44", north)] * 25
              + [("prefer_not", north)] * 3 + [("25_34", south)] * 30)
    for age, area in people:
        services.submit_response(cycle=cycle, ticket=services.new_ticket(cycle, Channel.online),
                                 raw={"age": age, "area": area}, locale="en")
    services.import_population(actor=make.user(Role.staff), cycle=cycle, text=population_csv(cycle))
    db.session.commit()
    advance(actor=make.user(Role.staff), cycle=cycle, current=Phase.voting)
    db.session.commit()


def test_equity_report_by_hand(make, voting_cycle):  # noqa: F811
    """North (staff, 11), suppressed on its own: 3 "prefer not" is hidden and takes "not
    answered" (0) with it; the shares are of 97 people who gave an age; 25-34 is 60/97 of voters
    and 4000/10000 of residents, a ratio of 150/97. Public (20): 12 is hidden and takes 25 with
    it. The summary sentences follow the report's linked views."""
    cycle, _ids = voting_cycle
    _synthetic(make, cycle)
    north = cycle.areas[0]
    answers = queries.in_area(cycle, queries.responses(cycle), north.id)
    staff = {r.key: r for r in queries.compare(cycle, answers, BY_KEY["age"], STAFF_MIN, area_id=north.id).rows}
    assert [staff[k].participants for k in ("18_24", "25_34", "35_44", "prefer_not", "not_answered")] == \
        [12, 60, 25, None, None]
    assert staff["25_34"].participant_share == Fraction(60, 97)
    assert staff["25_34"].population_share == Fraction(4000, 10000)
    assert staff["25_34"].ratio == Fraction(150, 97)
    assert staff["18_24"].ratio == Fraction(12, 97) / Fraction(2100, 10000)  # 0.589...
    public = {r.key: r for r in queries.compare(cycle, answers, BY_KEY["age"], PUBLIC_MIN, area_id=north.id).rows}
    assert [public[k].participants for k in ("18_24", "25_34", "35_44")] == [None, 60, None]
    assert public["18_24"].ratio is None and public["25_34"].ratio == Fraction(150, 97)
    # The staff report links its views: the hidden 3 "prefer not" of all areas takes the next
    # smallest cell, the 12 aged 18-24, with it, so North's 12 is hidden too (all areas minus
    # South's 0 would give it back) and no sentence may name it ("21% of North and 12% of the
    # people there" is 12 of 97). South's 0 of 30 against 50% of its residents is shown.
    linked = queries.linked_views(cycle, queries.responses(cycle), BY_KEY["age"], STAFF_MIN)
    assert {r.key: r.participants for r in linked[north.id].comparison.rows}["18_24"] is None
    sentences = queries.summaries(cycle, queries.responses(cycle), STAFF_MIN)
    assert sentences == ["Residents who answered “18 to 24” to “Age” are 50% of South and 0% of the people "
                         "there who took part."]


def test_public_equity_page_shows_no_cell_under_20(client, make, voting_cycle):  # noqa: F811
    """Before publication the page is 404; the staff report shows nothing while voting is open."""
    cycle, _ids = voting_cycle
    assert client.get(f"/cycles/{cycle.slug}/equity").status_code == 404
    login(client, make.user(Role.staff))
    during = client.get(f"/admin/cycles/{cycle.slug}/equity").get_data(as_text=True)
    assert "when voting closes" in during
    _synthetic(make, cycle)
    report = client.get(f"/admin/cycles/{cycle.slug}/equity?area=north").get_data(as_text=True)
    cells = [int(n) for n in re.findall(r"<td>(\d+)</td>", report.split('id="compare-age"')[1].split("</table>")[0])]
    assert cells and all(n == 0 or n >= STAFF_MIN for n in cells)


def test_live_turnout_is_off_by_default_and_audited_when_switched_on(client, make, voting_cycle, codes):  # noqa: F811
    """Off: casting keeps no day counts. On (audited): one count per ballot per day, by area,
    channel and language; cells under 11 hidden."""
    cycle, ids = voting_cycle
    vote(client.application.test_client(), cycle, ids, codes[0])
    assert db.session.scalar(select(func.count()).select_from(TurnoutDay)) == 0
    staff = make.user(Role.staff)
    login(client, staff)
    token = csrf_from(client.get(f"/admin/cycles/{cycle.slug}/turnout").get_data(as_text=True))
    assert client.post(f"/admin/cycles/{cycle.slug}/turnout", data={"csrf_token": token, "on": "y"}).status_code == 302
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "cycle.live_turnout")) == 1
    with clock.frozen(clock.now()):  # all twelve on one day, even when a run crosses midnight
        for code in codes[1:13]:
            vote(client.application.test_client(), cycle, ids, code)
        today = clock.today()
    row = db.session.scalars(select(TurnoutDay)).one()
    assert (row.day, row.area_id, row.channel, row.count) == (today, 0, Channel.online, 12)
    page = client.get(f"/admin/cycles/{cycle.slug}/turnout").get_data(as_text=True)
    assert "<td>12</td>" in page and "Project 0" not in page


def test_sending_the_cast_again_gives_no_second_survey(client, voting_cycle):  # noqa: F811
    """The cast is sent again with the cookie from before it (a double tap, or on purpose):
    the confirmation comes back with the same survey ticket, which is already used, so one
    ballot gives at most one survey answer."""
    cycle, ids = voting_cycle
    [code] = issue_access_codes(actor=None, cycle=cycle, count=1, batch="replay")
    db.session.commit()
    token = enter_code(client, cycle, code)
    client.post(f"/cycles/{cycle.slug}/ballot", data={"csrf_token": token, "step": "review", **ranks(ids, 0)})
    with client.session_transaction() as saved:
        before_cast = dict(saved)
    cast = {"csrf_token": token, "step": "cast", **ranks(ids, 0)}
    assert client.post(f"/cycles/{cycle.slug}/ballot", data=cast).status_code == 200
    assert answer(client, cycle, age="25_34").status_code == 302
    for _ in range(3):
        with client.session_transaction() as session:
            session.clear()
            session.update(before_cast)
        again = client.post(f"/cycles/{cycle.slug}/ballot", data=cast)
        assert again.status_code == 200 and 'id="tracker"' in again.get_data(as_text=True)
        answer(client, cycle, age="25_34")
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1


def _relations(views, areas):
    """Every 'adds up to' relation a reader of the staff report can write between shown numbers:
    within a view (the question's total, each crosstab's rows, columns and total) and across
    views (all areas = the sum of the areas). Yields (total, members)."""
    for view in views.values():
        counts = {row.key: row.participants for row in view.comparison.rows}
        yield view.comparison.answered, list(counts.values())
        for table in (view.by_channel, view.by_language):
            assert table.row_totals == counts  # a crosstab's row totals are the counts themselves
            for band in table.rows:
                yield table.row_totals[band], [table.cells[band, c] for c in table.cols]
            for col in table.cols:
                yield table.col_totals[col], [table.cells[b, col] for b in table.rows]
            yield table.total, list(table.col_totals.values())
    whole, parts = views[None], [views[a.id] for a in areas]
    for i, row in enumerate(whole.comparison.rows):
        yield row.participants, [part.comparison.rows[i].participants for part in parts]
    for name in ("by_channel", "by_language"):
        table = getattr(whole, name)
        for key, value in table.cells.items():
            yield value, [getattr(part, name).cells[key] for part in parts]
        for key, value in table.col_totals.items():
            yield value, [getattr(part, name).col_totals[key] for part in parts]


@pytest.mark.parametrize("seed", range(12))
def test_no_hidden_count_of_the_staff_report_comes_back_by_subtraction(make, voting_cycle, seed):  # noqa: F811
    """Random answers (ages, areas, channels, languages; some groups small): across the
    all-areas and per-area views of the staff report, the comparison and both crosstabs, no
    shown total has exactly one hidden part, which subtraction would give back."""
    import random

    cycle, _ = voting_cycle
    rng = random.Random(seed)
    areas = cycle.areas
    for _ in range(rng.randint(30, 140)):
        services.submit_response(
            cycle=cycle, ticket=services.new_ticket(cycle, rng.choice([Channel.online] * 5 + [Channel.kiosk])),
            raw={"age": rng.choice(["18_24", "25_34", "25_34", "35_44", "35_44", "prefer_not"]),
                 "area": rng.choice([a.slug for a in areas])}, locale=rng.choice(["en"] * 6 + ["es", "ar"]))
    db.session.commit()
    advance(actor=make.user(Role.staff), cycle=cycle, current=Phase.voting)
    db.session.commit()
    views = queries.linked_views(cycle, queries.responses(cycle), BY_KEY["age"], STAFF_MIN)
    relations = list(_relations(views, areas))
    assert relations and any(None in members for _total, members in relations)  # some cells are hidden
    leaks = [(total, members) for total, members in relations
             if total is not None and sum(m is None for m in members) == 1]
    assert leaks == []


def _the_reviews_case(cycle) -> None:
    """18 aged 18-24 in all: 15 in the north and 3 in the south, with 40 and 40 older."""
    north, south = cycle.areas
    for age, area, n in (("18_24", north, 15), ("25_34", north, 30), ("35_44", north, 20),
                         ("18_24", south, 3), ("25_34", south, 20), ("35_44", south, 20)):
        for _ in range(n):
            services.submit_response(cycle=cycle, ticket=services.new_ticket(cycle, Channel.online),
                                     raw={"age": age, "area": area.slug}, locale="en")


@pytest.mark.parametrize("threshold", [STAFF_MIN, PUBLIC_MIN])
def test_summary_sentences_name_no_group_their_area_view_hides(make, voting_cycle, threshold):  # noqa: F811
    """The review's case again (18 aged 18-24 in all: 15 in the north, 3 in the south), with
    most north residents aged 18-24 so that the group is under-represented there. A sentence
    such as "are 50% of North and 23% of the people there who took part" gives the hidden
    count back (23% of the 65 shown), so a summary may only name a group its area's linked
    view shows; on the staff report and in the public community-benefit record alike."""
    cycle, _ = voting_cycle
    north, south = cycle.areas
    _the_reviews_case(cycle)
    services.import_population(actor=make.user(Role.staff), cycle=cycle, text=(
        "area,question,band,count\n"
        f"{north.slug},age,18_24,5000\n{north.slug},age,25_34,2500\n{north.slug},age,35_44,2500\n"
        f"{south.slug},age,18_24,300\n{south.slug},age,25_34,400\n{south.slug},age,35_44,300\n"))
    db.session.commit()
    advance(actor=make.user(Role.staff), cycle=cycle, current=Phase.voting)
    db.session.commit()
    answers = queries.responses(cycle)
    views = queries.linked_views(cycle, answers, BY_KEY["age"], threshold)
    sentences = queries.summaries(cycle, answers, threshold)
    named = [(row.label, area.name) for area in (north, south) for row in views[area.id].comparison.rows
             if any(row.label in s and area.name in s for s in sentences)]
    hidden = [(row.label, area.name) for area in (north, south) for row in views[area.id].comparison.rows
              if row.participants is None]
    assert hidden, "the case hides some cells"
    assert not set(named) & set(hidden), sentences


def test_an_area_hidden_in_its_view_is_not_the_all_areas_count_minus_the_others(client, make, voting_cycle):  # noqa: F811
    """The review's case: 18 aged 18-24 in all, 15 in the north, so the south's 3 must not be
    both hidden on its page and given away by the other two."""
    cycle, _ = voting_cycle
    north, south = cycle.areas
    _the_reviews_case(cycle)
    db.session.commit()
    advance(actor=make.user(Role.staff), cycle=cycle, current=Phase.voting)
    db.session.commit()
    views = queries.linked_views(cycle, queries.responses(cycle), BY_KEY["age"], STAFF_MIN)
    young = {view: next(r.participants for r in v.comparison.rows if r.key == "18_24") for view, v in views.items()}
    assert young[south.id] is None
    assert young[None] is None or young[north.id] is None
