"""The request's catalog, formats and URLs are looked up once and remembered, yet every request
still speaks its own reader's language, and a forced locale (an email in the recipient's
language) is honoured and then undone."""

import pytest
from flask import render_template_string
from flask_babel import force_locale

from pb.enums import Phase
from pb.i18n.catalog import gettext
from pb.i18n.filters import money
from pb.i18n.labels import PHASE_NAMES
from tests.conftest import csrf_from


def test_interleaved_readers_each_get_their_own_language(app, make):
    """Requests in English, Spanish and Arabic, one after another on one server, each render
    their own language and direction (nothing of one request's catalog leaks into the next)."""
    cycle = make.cycle(phase=Phase.ideas, budget_cents=400_000_00)
    readers = {}
    for code in ("en", "es", "ar"):
        readers[code] = app.test_client()
        readers[code].get(f"/language/{code}")
    expected = {"en": ("Idea collection", 'dir="ltr"', "$400,000.00"),
                "es": ("Recolección de ideas", 'dir="ltr"', "400.000,00\xa0US$"),
                "ar": ('dir="rtl"',)}
    for _ in range(2):
        for code in ("en", "es", "ar", "es", "en"):
            html = readers[code].get(f"/cycles/{cycle.slug}").get_data(as_text=True)
            for text in expected[code]:
                assert text in html, (code, text)
    assert "Recolección de ideas" not in readers["en"].get(f"/cycles/{cycle.slug}").get_data(as_text=True)


def test_forced_locale_inside_a_request_then_back(app):
    """force_locale switches gettext, labels, templates and money for its block only."""
    with app.test_request_context("/"):
        assert gettext("Cycles") == "Cycles"
        assert money(150) == "$1.50"
        with force_locale("es"):
            assert gettext("Cycles") == "Ciclos"
            assert str(PHASE_NAMES[Phase.voting]) == "Votación"
            assert render_template_string("{{ _('Cycles') }}") == "Ciclos"
            assert money(150) == "1,50\xa0US$"
        assert gettext("Cycles") == "Cycles"
        assert str(PHASE_NAMES[Phase.voting]) == "Voting"
        assert render_template_string("{{ _('Cycles') }} {{ ngettext('%(num)d idea', '%(num)d ideas', 2) }}") \
            == "Cycles 2 ideas"
        assert money(150) == "$1.50"


def test_template_urls_follow_the_script_root(app):
    """A remembered URL is never served to a request that came in under another path prefix."""
    template = "{{ url_for('cycles.home') }} {{ url_for('audit.index') }}"
    with app.test_request_context("/"):
        assert render_template_string(template) == "/ /audit/"
    with app.test_request_context("/", environ_overrides={"SCRIPT_NAME": "/pb"}):
        assert render_template_string(template) == "/pb/ /pb/audit/"
    with app.test_request_context("/"):
        assert render_template_string("{{ url_for('proposals.detail', idea_id=1) }} "
                                      "{{ url_for('accounts.language', code='es', next='/a?b=1') }}") \
            == "/ideas/1 /language/es?next=/a?b%3D1"


def test_visitors_long_query_strings_are_not_remembered(app, client):
    """Pages link to each language with next=<this page's path and query>; a visitor's long
    query strings are built each time, so they cannot fill the remembered URLs."""
    from pb.urls import URLS_KEPT

    for n in range(50):
        assert client.get(f"/?q={n}{'x' * 300}").status_code == 200
    page = client.get("/?q=" + "y" * 300).get_data(as_text=True)
    assert "y" * 300 in page  # the language links still carry it
    kept = app.extensions["pb_url_for"].kept
    assert kept and len(kept) <= URLS_KEPT
    assert not any("x" * 300 in url for url in kept.values())


def test_markup_formatting_matches_markupsafe():
    """Translated HTML strings format exactly as Markup's own % does: values escaped, numbers
    formatted, odd cases (a %d given a digit string, %r, %%) left to Markup itself."""
    from decimal import Decimal

    from markupsafe import Markup

    from pb.i18n.catalog import format_markup

    cases = [
        ("Plain text", {}), ("100%% sure", {}), ("%(num)d ideas", {"num": 3}),
        ("Hello %(name)s!", {"name": "<b>Ann & Bo</b>"}), ("%(name)s", {"name": Markup("<i>ok</i>")}),
        ("%(n)s and %(n)d", {"n": 7}), ("%(x).1f%%", {"x": 12.345}), ("%(num)d of %(all)s", {"num": "4", "all": "9"}),
        ("%(v)r", {"v": "<x>"}), ("%(v)s", {"v": Decimal("1.50")}), ("%(v)s", {"v": PHASE_NAMES[Phase.voting]}),
        ("%(a)s %(b)s", {"a": 1, "b": True, "unused": "<z>"}), ("%%(a)s", {"a": "x"}),
    ]
    for text, variables in cases:
        assert format_markup(Markup(text), dict(variables)) == Markup(text) % variables, text
    with pytest.raises(KeyError):  # a missing value fails as Markup's % does
        format_markup(Markup("%(missing)s"), {"other": 1})


def test_form_messages_follow_each_request_language(app):
    """WTForms' own messages (kept per locale for the process) still come in each reader's
    language, request after request."""
    readers = {code: app.test_client() for code in ("en", "es", "ar")}
    tokens = {}
    for code, reader in readers.items():
        reader.get(f"/language/{code}")
        tokens[code] = csrf_from(reader.get("/login").get_data(as_text=True))
    expected = {"en": "This field is required.", "es": "Este campo es obligatorio.", "ar": "هذا الحقل مطلوب."}
    for code in ("es", "en", "ar", "es"):
        html = readers[code].post("/login", data={"csrf_token": tokens[code], "email": "", "password": ""})
        assert expected[code] in html.get_data(as_text=True), code


def test_forced_locale_first_thing_in_a_request(app):
    """An email rendered in Spanish before the page's own language was chosen leaves the page,
    its money and its labels in the reader's language. (Each request gets its own app
    context, as in production: the test's own would otherwise carry the first one's locale.)"""
    with app.app_context(), app.test_request_context("/"):
        with force_locale("es"):
            assert money(150) == "1,50\xa0US$"
        assert money(150) == "$1.50"
        assert gettext("Cycles") == "Cycles"
        assert str(PHASE_NAMES[Phase.voting]) == "Voting"
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "es"}):
        with force_locale("en"):
            assert money(150) == "$1.50"
        assert money(150) == "1,50\xa0US$"
        assert gettext("Cycles") == "Ciclos"
