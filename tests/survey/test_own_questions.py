"""A cycle's own survey questions: staff write them before voting (audited, then frozen), they
are translated and reviewed through the queue, residents answer them with stable keys, and the
reports count them with the same small-cell suppression."""

import re

import pytest
from sqlalchemy import func, select

from pb.audit.models import AuditEvent
from pb.db import db
from pb.enums import Channel, Phase, Role
from pb.errors import WrongPhase
from pb.i18n.models import ContentTranslation
from pb.lifecycle.services import advance
from pb.survey import queries, services
from pb.survey.models import SurveyQuestion, SurveyResponse
from pb.survey.suppression import STAFF_MIN
from pb.translations.services import review_translation, translate_field
from tests.conftest import csrf_from, login, open_voting
from tests.results.conftest import cast_cycle  # noqa: F401  (fixture: 23 ballots on this module's cycle)
from tests.voting.conftest import enter_code, ranks

CLINIC = "How often do you visit the clinic?"
CLINIC_OPTIONS = "Every week\nEvery month\nOnce a year or less"


@pytest.fixture
def voting_cycle(make):
    """A cycle in English and Spanish with one own question (three answers, one to choose) and
    one where several answers may be chosen, translated and reviewed; then voting opens."""
    cycle = make.cycle(phase=Phase.development, languages=["es"])
    staff, translator, reviewer = make.user(Role.staff), make.user(Role.liaison), make.user(Role.staff)
    projects = [make.project(cycle, cost_cents=(i + 1) * 10_000_00, title=f"Project {i}") for i in range(4)]
    clinic = services.add_question(actor=staff, cycle=cycle, text=CLINIC, options=CLINIC_OPTIONS,
                                   multiple=False, locale="en")
    services.add_question(actor=staff, cycle=cycle, text="How did you hear about the vote?",
                          options="A flyer\nA friend\nThe radio", multiple=True, locale="en")
    for field, text in (("text", "¿Con qué frecuencia visita la clínica?"),
                        ("options", "Cada semana\nCada mes\nUna vez al año o menos")):
        translate_field(actor=translator, obj=clinic, field=field, locale="es", text=text)
        review_translation(actor=reviewer, obj=clinic, field=field, locale="es")
    db.session.commit()
    open_voting(cycle)
    return cycle, [p.id for p in projects]


@pytest.fixture
def codes(voting_cycle):
    from pb.voting.services import issue_access_codes

    issued = issue_access_codes(actor=None, cycle=voting_cycle[0], count=5, batch="own")
    db.session.commit()
    return issued


def own(cycle) -> list[SurveyQuestion]:
    return services.own_questions(cycle)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_staff_add_a_question_before_voting_audited_and_frozen_once_voting_opens(client, make):
    """Staff add a question (audited); bad input gets a message and adds nothing; from the
    opening of voting adding, changing and removing are refused and nothing changes."""
    cycle = make.cycle(phase=Phase.development)
    make.project(cycle), make.project(cycle)
    login(client, make.user(Role.staff))
    url = f"/admin/cycles/{cycle.slug}/survey-questions"
    token = csrf_from(client.get(url).get_data(as_text=True))
    form = {"csrf_token": token, "text": CLINIC, "options": CLINIC_OPTIONS, "locale": "en"}
    assert client.post(url, data=form).status_code == 302
    (question,) = own(cycle)
    assert (question.key, question.option_keys) == (f"q{question.id}", ["o1", "o2", "o3"])
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "survey.question_add")).one()
    assert (event.object_type, event.object_id) == ("SurveyQuestion", str(question.id))
    one_answer = client.post(url, data=form | {"options": "Only one"})
    assert one_answer.status_code == 400 and "Write from 2 to 10 answers" in one_answer.get_data(as_text=True)
    assert count(SurveyQuestion) == 1
    edit_url = f"/admin/survey-questions/{question.id}/edit"
    assert CLINIC in client.get(edit_url).get_data(as_text=True)
    assert client.post(edit_url, data=form | {"multiple": "y"}).status_code == 302
    assert question.multiple is True
    open_voting(cycle)
    refused = client.post(url, data=form | {"text": "A late question?"})
    assert refused.status_code == 400 and "cannot change once voting has opened" in refused.get_data(as_text=True)
    edit = client.post(f"/admin/survey-questions/{question.id}/edit", data=form | {"text": "Changed?"})
    assert edit.status_code == 400
    client.post(f"/admin/survey-questions/{question.id}/remove", data={"csrf_token": token})
    db.session.expire_all()
    assert [q.text for q in own(cycle)] == [CLINIC]
    assert [q.multiple for q in own(cycle)] == [True]
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("survey.question_%")))
    assert list(actions) == ["survey.question_add", "survey.question_edit"]


def test_translations_of_own_questions_are_frozen_while_voting(make, voting_cycle):
    """Everyone who answers during voting reads the same question: no translation can be
    written once voting has opened (so none can be reviewed either), and the reviewed one stays."""
    cycle, _ids = voting_cycle
    clinic, heard = own(cycle)
    translator = make.user(Role.liaison)
    with pytest.raises(WrongPhase):
        translate_field(actor=translator, obj=clinic, field="text", locale="es", text="¿Cambiada?")
    db.session.rollback()
    with pytest.raises(WrongPhase):
        translate_field(actor=translator, obj=heard, field="text", locale="es", text="¿Cómo supo del voto?")
    db.session.rollback()
    shown = db.session.scalars(select(ContentTranslation.text).filter_by(
        object_type="SurveyQuestion", object_id=clinic.id, field="text", locale="es")).all()
    assert shown == ["¿Con qué frecuencia visita la clínica?"]
    assert not db.session.scalars(select(ContentTranslation).filter_by(
        object_type="SurveyQuestion", object_id=heard.id)).all()


def test_a_spanish_reader_sees_the_reviewed_translation(client, voting_cycle, codes):
    """After voting in Spanish, the survey shows the cycle's question and its answers in the
    reviewed Spanish; the unreviewed question is shown in its original English, marked so."""
    cycle, ids = voting_cycle
    clinic, heard = own(cycle)
    client.get("/language/es")
    token = enter_code(client, cycle, codes[0])
    client.post(f"/cycles/{cycle.slug}/ballot", data={"csrf_token": token, "step": "cast", **ranks(ids, 0)})
    page = client.get(f"/cycles/{cycle.slug}/survey").get_data(as_text=True)
    block = page.split(f'id="question-{clinic.key}"')[1].split("</fieldset>")[0]
    assert "¿Con qué frecuencia visita la clínica?" in block and "Cada mes" in block and 'lang="es"' in block
    assert CLINIC not in page
    other = page.split(f'id="question-{heard.key}"')[1].split("</fieldset>")[0]
    assert "How did you hear about the vote?" in other and 'lang="en"' in other
    assert page.index('name="voted_local"') < page.index(f'name="{clinic.key}"')  # after the standard ones


def test_a_resident_answers_own_questions_after_voting(client, voting_cycle, codes):
    """The answers are stored with the standard ones, under the question's and options' keys."""
    cycle, ids = voting_cycle
    clinic, heard = own(cycle)
    token = enter_code(client, cycle, codes[0])
    client.post(f"/cycles/{cycle.slug}/ballot", data={"csrf_token": token, "step": "cast", **ranks(ids, 0)})
    page = client.get(f"/cycles/{cycle.slug}/survey").get_data(as_text=True)
    answer = client.post(f"/cycles/{cycle.slug}/survey", data={
        "csrf_token": csrf_from(page), "age": "25_34", clinic.key: "o2", heard.key: ["o1", "o3"]})
    assert answer.status_code == 302
    stored = db.session.scalars(select(SurveyResponse)).one()
    assert stored.answers == {"age": "25_34", clinic.key: "o2", heard.key: ["o1", "o3"]}
    assert set(stored.answers) <= {"age", clinic.key, heard.key}  # nothing about the ballot or time


@pytest.mark.parametrize(("which", "forged"), [(0, ["o9"]), (0, ["<script>"]), (0, ["o0"]),
                                              (1, ["o1", "prefer_not"]), (1, ["o2", "o4"])])
def test_a_forged_option_key_is_refused_and_stores_nothing(client, voting_cycle, codes, which, forged):
    """An option the question does not list, or an answer with "prefer not to say", is refused
    with a message and stores nothing; the person may still answer."""
    cycle, ids = voting_cycle
    question = own(cycle)[which]
    token = enter_code(client, cycle, codes[0])
    client.post(f"/cycles/{cycle.slug}/ballot", data={"csrf_token": token, "step": "cast", **ranks(ids, 0)})
    token = csrf_from(client.get(f"/cycles/{cycle.slug}/survey").get_data(as_text=True))
    refused = client.post(f"/cycles/{cycle.slug}/survey", data={"csrf_token": token, question.key: forged})
    assert refused.status_code == 400 and 'role="alert"' in refused.get_data(as_text=True)
    assert count(SurveyResponse) == 0
    again = client.post(f"/cycles/{cycle.slug}/survey", data={"csrf_token": token, question.key: "prefer_not"})
    assert again.status_code == 302
    expected = ["prefer_not"] if question.multiple else "prefer_not"
    assert db.session.scalars(select(SurveyResponse)).one().answers == {question.key: expected}


def test_two_answers_to_a_one_answer_question_are_refused(voting_cycle):
    """The service refuses a list for a one-answer question (the form sends only one)."""
    cycle, _ids = voting_cycle
    with pytest.raises(services.DomainError):
        services.clean_answers(cycle, {own(cycle)[0].key: ["o1", "o2"]})


def _answer(cycle, key, values):
    for value in values:
        services.submit_response(cycle=cycle, ticket=services.new_ticket(cycle, Channel.online),
                                 raw={key: value}, locale="en")


def test_staff_report_counts_own_questions_with_suppression(client, make, voting_cycle):
    """15 "every week", 3 "every month", 12 "once a year" (staff threshold 11): 3 is hidden and
    takes 12 with it, so neither can be told from the total of 30; no residents, no ratio."""
    cycle, _ids = voting_cycle
    clinic, _heard = own(cycle)
    _answer(cycle, clinic.key, ["o1"] * 15 + ["o2"] * 3 + ["o3"] * 12)
    db.session.commit()
    advance(actor=make.user(Role.staff), cycle=cycle, current=Phase.voting)
    db.session.commit()
    question = queries.own_questions(cycle, "en")[0]
    rows = {r.key: r for r in queries.compare(cycle, queries.responses(cycle), question, STAFF_MIN).rows}
    assert [rows[k].participants for k in ("o1", "o2", "o3", "prefer_not", "not_answered")] == [15, None, None, 0, 0]
    assert all(r.population is None and r.ratio is None for r in rows.values())
    login(client, make.user(Role.staff))
    page = client.get(f"/admin/cycles/{cycle.slug}/equity").get_data(as_text=True)
    table = page.split(f'id="compare-{clinic.key}"')[1].split("</table>")[0]
    shown = dict(re.findall(r'<th scope="row">([^<]+)</th>\s*<td>([^<]+)</td>', table))
    assert shown == {"Every week": "15", "Every month": "fewer than 11", "Once a year or less": "fewer than 11",
                     "Prefer not to say": "0", "Not answered": "0", "All answers": "30"}
    assert "no population figures" in page


def test_record_csv_lists_own_questions_with_public_suppression(app, make, voting_cycle, cast_cycle):  # noqa: F811
    """In the community-benefit CSV (public threshold 20), 25 "every week" is shown; 5 "every
    month" is hidden and takes the next smallest, 22 "once a year", with it."""
    cycle, _ids = voting_cycle
    clinic, _heard = own(cycle)
    _answer(cycle, clinic.key, ["o1"] * 25 + ["o2"] * 5 + ["o3"] * 22)
    db.session.commit()
    client = app.test_client()
    login(client, make.user(Role.staff))
    token = csrf_from(client.get("/admin/").get_data(as_text=True))
    client.post(f"/admin/cycles/{cycle.slug}/advance", data={"csrf_token": token, "current": "voting"})
    client.post(f"/admin/cycles/{cycle.slug}/count", data={"csrf_token": token})
    from pb.results.models import TallySnapshot

    snapshot = db.session.query(TallySnapshot).one()
    second = app.test_client()
    login(second, make.user(Role.staff))
    second.post(f"/admin/count/{snapshot.id}/publish",
                data={"csrf_token": csrf_from(second.get("/admin/").get_data(as_text=True))})
    body = client.get(f"/admin/cycles/{cycle.slug}/community-benefit.csv").get_data(as_text=True)
    lines = [line for line in body.splitlines() if line.split(",")[1:2] == [CLINIC]]
    assert f"{CLINIC},Every week,25," in "\n".join(lines)
    assert f"{CLINIC},Every month,fewer than 20," in "\n".join(lines)
    assert f"{CLINIC},Once a year or less,fewer than 20," in "\n".join(lines)
    assert not any(",22," in line or ",5," in line for line in lines)
