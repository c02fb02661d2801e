"""Idea search folds accents and case in every language, on SQLite and PostgreSQL alike."""

import html

import pytest

from pb.db import db
from pb.enums import Role, TranslationStatus
from pb.i18n.content import set_translation
from pb.proposals.search import fold
from tests.proposals.conftest import idea


def found(client, cycle, q: str) -> str:
    return html.unescape(client.get(f"/cycles/{cycle.slug}/ideas", query_string={"q": q}).get_data(as_text=True))


@pytest.mark.parametrize("query", ["dialisis", "DIÁLISIS", "Diálisis", "diÁlisis", "  dialisis  "])
def test_search_ignores_accents_and_capitals(client, make, cycle, query):
    """'dialisis' and 'DIÁLISIS' both find an idea about 'diálisis'."""
    idea(cycle, make.user(Role.resident), title="Transporte a la diálisis", locale="es",
         body="Un autobús para los pacientes del barrio.")
    idea(cycle, make.user(Role.resident), title="Bus shelter", body="A roof at the stop for rainy days.")
    db.session.commit()
    page = found(client, cycle, query)
    assert "1 idea found." in page and "Transporte a la diálisis" in page and "Bus shelter" not in page


@pytest.mark.parametrize("title, query", [
    ("Café für Straße", "CAFE FUR STRASSE"),      # German ß folds to ss, umlaut to u
    ("Nhà ở cho người già", "nha o cho nguoi gia"),  # Vietnamese tone marks
    ("Ελληνικό ΚΈΝΤΡΟ", "κεντρο"),                  # Greek capitals and tonos
    ("ＬＩＢＲＡＲＹ hours", "library"),               # full-width letters
])
def test_search_folds_other_scripts(client, make, cycle, title, query):
    """The fold is not just Spanish: German, Vietnamese, Greek and full-width text match too."""
    idea(cycle, make.user(Role.resident), title=title, body="Details about this idea here.")
    db.session.commit()
    assert "1 idea found." in found(client, cycle, query)


def test_search_folds_translations_and_the_body(client, make, cycle):
    """An accent-free English query finds a Spanish body, and a translation with accents."""
    item = idea(cycle, make.user(Role.resident), title="Garden", body="Clases de nutrición para niños")
    set_translation(obj=item, field="title", locale="es", text="Jardín de la clínica", status=TranslationStatus.reviewed)
    db.session.commit()
    assert "1 idea found." in found(client, cycle, "NUTRICION")
    assert "1 idea found." in found(client, cycle, "jardin de la CLINICA")
    assert "0 ideas found." in found(client, cycle, "%")  # no wildcard


def test_search_does_not_cross_cycles(client, make, cycle):
    """A match in another cycle is not counted."""
    other = make.cycle()
    idea(other, make.user(Role.resident), title="Diálisis", body="Transporte para pacientes del barrio.")
    db.session.commit()
    assert "0 ideas found." in found(client, cycle, "dialisis")


def test_fold_examples():
    """The fold used on both sides of the search."""
    assert fold("DIÁLISIS") == fold("dialisis") == "dialisis"
    assert fold("Straße") == "strasse" and fold("  a \n b ") == "a b"


def test_page_number_is_clamped(client, make, cycle):
    """?page=99999 shows the last page, never 'Page 99999 of 2'."""
    resident = make.user(Role.resident)
    for n in range(22):
        idea(cycle, resident, title=f"Bench {n}", body="A bench for the bus stop here.")
    db.session.commit()
    page = html.unescape(client.get(f"/cycles/{cycle.slug}/ideas?page=99999").get_data(as_text=True))
    assert "Page 2 of 2" in page and "Page 99999" not in page


def test_bidi_override_characters_are_stripped(client, make, cycle):
    """A right-to-left override typed into an idea or a comment cannot reverse the page's text."""
    from pb.deliberation.services import post_comment  # noqa: PLC0415 - deliberation sits above proposals
    item = idea(cycle, make.user(Role.resident), title="Bus \u202estop\u202c shelter",
                body="A roof \u2066at the\u2069 stop for rainy days.")
    comment = post_comment(actor=make.user(Role.resident), target=item, body="Yes \u202dplease\u202c \u200f!", locale="en")
    db.session.commit()
    assert item.title == "Bus stop shelter" and item.body == "A roof at the stop for rainy days."
    assert comment.body == "Yes please \u200f!"  # the right-to-left mark (not an override) is kept
