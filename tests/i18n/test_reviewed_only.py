"""Only reviewed translations of the current original are shown (issue 15, finding 2): a new or
edited translation waits for a second person, and editing an original makes its translations
stale, hidden, and takes the project off the ballot until they are checked again."""

from __future__ import annotations

import pytest

from pb.cycles.services import update_cycle
from pb.db import db
from pb.enums import Phase, ProjectStatus, Role
from pb.errors import DomainError, NotAllowed
from pb.i18n.content import Localized
from pb.proposals.models import Project
from pb.proposals.queries import ballot_projects
from pb.proposals.services import mark_ready, update_project
from pb.translations.services import review_translation, translate_field
from tests.conftest import csrf_from, login


@pytest.fixture
def cycle(make):
    return make.cycle(phase=Phase.development, languages=["es"])


@pytest.fixture
def people(make):
    return make.user(Role.liaison), make.user(Role.staff), make.user(Role.staff)


def spanish_page(client, project) -> str:
    return client.get(f"/projects/{project.id}", headers={"Accept-Language": "es"}).get_data(as_text=True)


def shown_title(project, locale: str = "es"):
    db.session.expire_all()
    return Localized([project], locale)(db.session.get(Project, project.id), "title")


def test_unreviewed_translation_is_not_shown(client, make, cycle, people):
    """A saved translation stays hidden, the original marked pending, until someone else reviews it."""
    liaison, staff, _ = people
    project = make.project(cycle, ready=False, title="Clinic van")
    translate_field(actor=liaison, obj=project, field="title", locale="es", text="Furgoneta de la clínica")
    db.session.commit()
    assert shown_title(project).text == "Clinic van" and shown_title(project).pending
    page = spanish_page(client, project)
    assert "Furgoneta de la clínica" not in page and "pending-note" in page
    review_translation(actor=staff, obj=project, field="title", locale="es")
    db.session.commit()
    assert shown_title(project).text == "Furgoneta de la clínica" and not shown_title(project).pending
    assert "Furgoneta de la clínica" in spanish_page(client, project)


def test_translation_edited_after_review_is_hidden_until_another_person_reviews(client, make, cycle, people):
    """Editing a reviewed translation hides it again; its editor cannot review it, someone else can."""
    liaison, staff, _ = people
    project = make.project(cycle, title="Clinic van")  # ready, with reviewed translations
    translate_field(actor=liaison, obj=project, field="title", locale="es", text="Proyecto RECHAZADO")
    db.session.commit()
    assert shown_title(project).text == "Clinic van" and shown_title(project).pending
    assert "Proyecto RECHAZADO" not in spanish_page(client, project)
    assert project.status == ProjectStatus.draft and ballot_projects(cycle) == []
    with pytest.raises(NotAllowed):
        review_translation(actor=liaison, obj=project, field="title", locale="es")
    review_translation(actor=staff, obj=project, field="title", locale="es")
    db.session.commit()
    assert shown_title(project).text == "Proyecto RECHAZADO"


def test_editing_the_original_makes_translations_stale(client, make, cycle, people):
    """After staff change a ready project's title, the Spanish title is hidden (original shown
    as pending), the project is off the ballot and cannot be marked ready, and the queue shows
    the old and new original side by side until someone re-reviews the translation."""
    liaison, staff, other = people
    project = make.project(cycle, title="Clinic van", summary="A van five days a week.")
    assert shown_title(project).text == "Clinic van [es]"
    login(client, staff)
    edit = f"/admin/projects/{project.id}/edit"
    response = client.post(edit, data={"title": "Clinic van and driver", "summary": "A van five days a week.",
                                       "cost": "10,000.00", "category": "food",
                                       "csrf_token": csrf_from(client.get(edit).get_data(as_text=True))},
                           follow_redirects=True)
    assert response.status_code == 200 and "back in development" in response.get_data(as_text=True)
    assert shown_title(project).text == "Clinic van and driver" and shown_title(project).pending
    assert "Clinic van [es]" not in spanish_page(client, project)
    assert db.session.get(Project, project.id).status == ProjectStatus.draft and ballot_projects(cycle) == []
    with pytest.raises(DomainError, match="Español"):
        mark_ready(actor=staff, project=project)
    db.session.rollback()

    queue = client.get(f"/cycles/{cycle.slug}/translations?lang=es").get_data(as_text=True)
    assert "Original changed: check again" in queue
    assert "<del>Clinic van</del>" in queue and "<ins>Clinic van and driver</ins>" in queue
    page = client.get(f"/translations/Project/{project.id}/title/es").get_data(as_text=True)
    assert 'id="old-original">Clinic van<' in page and 'id="new-original">Clinic van and driver<' in page

    review_translation(actor=other, obj=project, field="title", locale="es")
    mark_ready(actor=staff, project=project)
    db.session.commit()
    assert shown_title(project).text == "Clinic van [es]" and ballot_projects(cycle) == [project]


def test_a_cost_change_keeps_translations_and_the_ballot_place(make, cycle, people):
    """Changing only the cost leaves the reviewed translations shown and the project ready."""
    _, staff, _ = people
    project = make.project(cycle, title="Clinic van", summary="A van five days a week.")
    update_project(actor=staff, project=project, title="Clinic van", summary="A van five days a week.",
                   cost_cents=12_000_00, category="food")
    db.session.commit()
    assert shown_title(project).text == "Clinic van [es]" and project.status == ProjectStatus.ready


def test_stale_cycle_title_is_hidden_in_every_page(client, make, people):
    """A reviewed translation of a text that is no longer the original is not shown anywhere."""
    liaison, staff, _ = people
    cycle = make.cycle(phase=Phase.ideas, languages=["es"], title="Health Fund")
    translate_field(actor=liaison, obj=cycle, field="title", locale="es", text="Fondo de Salud")
    review_translation(actor=staff, obj=cycle, field="title", locale="es")
    db.session.commit()
    assert "Fondo de Salud" in client.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    update_cycle(actor=staff, cycle=cycle, title="Health and Housing Fund")  # the original changes
    db.session.commit()
    home = client.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Fondo de Salud" not in home and "Health and Housing Fund" in home
