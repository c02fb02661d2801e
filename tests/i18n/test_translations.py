"""Content translations: translated by one person, reviewed by another, queued per language."""

from sqlalchemy import select

from pb.db import db
from pb.enums import Phase, Role, TranslationStatus
from pb.i18n.content import unreviewed_locales
from pb.i18n.models import ContentTranslation
from tests.conftest import csrf_from, login


def setup(app, make):
    cycle = make.cycle(phase=Phase.development, languages=["es", "ar"])
    project = make.project(cycle, title="Clinic van", summary="Rides to dialysis.", ready=False)
    liaison, staff = make.user(Role.liaison), make.user(Role.staff)
    return cycle, project, liaison, staff


def client_for(app, user):
    client = app.test_client()
    login(client, user)
    return client


def test_translate_then_review_by_someone_else(app, make):
    """A liaison's translation waits for review; they cannot review it; staff can."""
    cycle, project, liaison, staff = setup(app, make)
    url = f"/translations/Project/{project.id}/title/es"
    translator = client_for(app, liaison)
    token = csrf_from(translator.get(url).get_data(as_text=True))
    assert translator.post(url, data={"csrf_token": token, "text": "Camioneta de la clínica"}).status_code == 302
    row = db.session.scalars(select(ContentTranslation)).one()
    assert (row.text, row.status) == ("Camioneta de la clínica", TranslationStatus.human)
    queue = translator.get(f"/cycles/{cycle.slug}/translations?lang=es").get_data(as_text=True)
    assert "Waiting for review" in queue and "Missing" in queue  # title done, summary missing
    refused = translator.post(url + "/review", data={"csrf_token": token}, follow_redirects=True)
    assert "Someone other than the translator" in refused.get_data(as_text=True)
    reviewer = client_for(app, staff)
    token2 = csrf_from(reviewer.get(url).get_data(as_text=True))
    reviewer.post(url + "/review", data={"csrf_token": token2})
    db.session.refresh(row)
    assert row.status == TranslationStatus.reviewed
    assert unreviewed_locales(project, ("title",), project.cycle.locales) == ["ar"]


def test_bad_translation_requests_change_nothing(app, make):
    """Empty text, a language the cycle does not offer or an unknown field: refused, nothing saved."""
    cycle, project, liaison, _ = setup(app, make)
    client = client_for(app, liaison)
    url = f"/translations/Project/{project.id}/title/es"
    token = csrf_from(client.get(url).get_data(as_text=True))
    assert client.post(url, data={"csrf_token": token, "text": "   "}).status_code == 400
    assert client.get(f"/translations/Project/{project.id}/title/vi").status_code == 404
    assert client.get(f"/translations/Project/{project.id}/cost_cents/es").status_code == 404
    assert client.get(f"/translations/User/{liaison.id}/name/es").status_code == 404
    assert client.post(url, data={"text": "sin token"}).status_code == 400
    assert db.session.scalar(select(ContentTranslation.id)) is None


def test_residents_cannot_translate(app, make):
    cycle, project, _, _ = setup(app, make)
    resident = client_for(app, make.user(Role.resident))
    assert resident.get(f"/cycles/{cycle.slug}/translations").status_code == 403


def test_translated_text_is_escaped(app, make, client):
    """A translation with markup is shown as text, never run as a script."""
    cycle, project, liaison, staff = setup(app, make)
    from pb.translations.services import review_translation, translate_field

    translate_field(actor=liaison, obj=project, field="title", locale="es", text="<script>alert(1)</script>")
    review_translation(actor=staff, obj=project, field="title", locale="es")
    db.session.commit()
    page = client.get(f"/projects/{project.id}", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
