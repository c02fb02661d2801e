"""The survey at a kiosk (once, in the resident's language, then the kiosk resets) and paper
survey forms typed one at a time in a batch a liaison opens and closes."""

from sqlalchemy import func, select

from pb.audit.models import AuditEvent
from pb.db import db
from pb.enums import Channel
from pb.survey.models import SurveyBatch, SurveyResponse
from tests.conftest import csrf_from
from tests.kiosk.conftest import check_in, kiosk_cast, kiosk_client, liaison, site  # noqa: F401
from tests.voting.conftest import voting_cycle  # noqa: F401


def test_kiosk_resident_answers_once_in_their_language(kiosk_client, voting_cycle):  # noqa: F811
    """The thanks page offers the survey; it opens in the language the resident voted in,
    stores one kiosk answer and returns to the start screen; the link then leads nowhere."""
    client, kiosk_id = kiosk_client
    cycle, ids = voting_cycle
    assert check_in(client, kiosk_id, cycle).status_code == 302
    client.get("/language/es")
    thanks = client.get(kiosk_cast(client, kiosk_id, ids, 0).location).get_data(as_text=True)
    assert f"/kiosk/{kiosk_id}/survey" in thanks
    page = client.get(f"/kiosk/{kiosk_id}/survey").get_data(as_text=True)
    assert 'lang="es"' in page and 'id="survey-secret"' in page
    done = client.post(f"/kiosk/{kiosk_id}/survey", data={"csrf_token": csrf_from(page), "age": "65_plus"})
    assert done.status_code == 302 and done.location.endswith(f"/kiosk/{kiosk_id}/")
    stored = db.session.scalars(select(SurveyResponse)).one()
    assert (stored.channel, stored.locale, stored.answers) == (Channel.kiosk, "es", {"age": "65_plus"})
    assert client.get(f"/kiosk/{kiosk_id}/survey").status_code == 302  # no second answer


def test_paper_surveys_are_typed_in_a_batch_one_form_at_a_time(app, liaison, site, voting_cycle):  # noqa: F811
    """Open a batch (audited), type two forms, close it (audited, no count in the event);
    a closed batch takes no more forms."""
    from tests.conftest import login

    cycle, _ids = voting_cycle
    client = app.test_client()
    login(client, liaison)
    token = csrf_from(client.get(f"/kiosk/paper-surveys/cycles/{cycle.slug}").get_data(as_text=True))
    opened = client.post(f"/kiosk/paper-surveys/cycles/{cycle.slug}", data={"csrf_token": token})
    url = opened.location
    for age in ("18_24", "prefer_not"):
        assert client.post(url, data={"csrf_token": token, "age": age, "first_time": "yes"}).status_code == 302
    assert client.post(f"{url}/close", data={"csrf_token": token}).status_code == 302
    assert client.post(url, data={"csrf_token": token, "age": "18_24"}).status_code == 400
    answers = db.session.scalars(select(SurveyResponse)).all()
    assert sorted(r.answers["age"] for r in answers) == ["18_24", "prefer_not"]
    assert {r.channel for r in answers} == {Channel.paper}
    batch = db.session.scalars(select(SurveyBatch)).one()
    assert batch.entered == 2 and batch.closed_at is not None
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("survey.batch%"))).all()
    assert [e.action for e in events] == ["survey.batch_open", "survey.batch_close"]
    assert all(set(e.data) <= {"cycle"} for e in events)  # no count: the audit page is public
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 2


def test_next_resident_cannot_answer_the_last_ones_survey(kiosk_client, voting_cycle):  # noqa: F811
    """Pressing Done on the thanks screen ends the survey offer: the next person at the kiosk
    cannot answer in the name of the one before."""
    client, kiosk_id = kiosk_client
    cycle, ids = voting_cycle
    assert check_in(client, kiosk_id, cycle).status_code == 302
    thanks = client.get(kiosk_cast(client, kiosk_id, ids, 0).location).get_data(as_text=True)
    assert f"/kiosk/{kiosk_id}/survey" in thanks
    client.get(f"/kiosk/{kiosk_id}/")  # Done
    assert client.get(f"/kiosk/{kiosk_id}/survey").status_code == 302
    assert db.session.scalars(select(SurveyResponse)).all() == []


def test_no_paper_survey_batch_in_a_cycle_without_kiosks_or_paper(app, liaison, site, voting_cycle):  # noqa: F811
    """Staff turned kiosks and paper off: a liaison is told so, and no batch or answer is stored."""
    from tests.conftest import login

    cycle, _ids = voting_cycle
    client = app.test_client()
    login(client, liaison)
    url = f"/kiosk/paper-surveys/cycles/{cycle.slug}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    opened = client.post(url, data={"csrf_token": token})
    batch_url = opened.location
    cycle.use_kiosks = False
    db.session.commit()
    refused = client.post(batch_url, data={"csrf_token": token, "age": "18_24"})
    assert refused.status_code == 400 and "does not use kiosks or paper" in refused.get_data(as_text=True)
    again = client.post(url, data={"csrf_token": token})
    assert again.status_code == 400 and "does not use kiosks or paper" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SurveyBatch)) == 1
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 0
