"""The app shell: configuration, languages, layout, error pages and sign-in."""

import pytest

from pb.config import ConfigError
from pb.factory import create_app
from tests.conftest import csrf_from, login


def test_production_refuses_the_development_secret_key(tmp_path):
    """Production mode will not start with the built-in development key."""
    with pytest.raises(ConfigError):
        create_app({"ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})


def test_production_starts_with_real_secrets(tmp_path):
    """With long random secrets, production starts and marks cookies secure."""
    app = create_app({"ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
                      "SECRET_KEY": "k" * 40, "VOTER_KEY_SECRET": "v" * 40,
                      "PUBLIC_BASE_URL": "https://vote.example.org"})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_environment_overrides_instance_defaults(monkeypatch, tmp_path):
    """PB_* environment variables override the defaults, with JSON values decoded."""
    monkeypatch.setenv("PB_DATABASE_URL", f"sqlite:///{tmp_path}/env.db")
    monkeypatch.setenv("PB_MAX_CONTENT_LENGTH", "1234")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.db")
    assert app.config["MAX_CONTENT_LENGTH"] == 1234


def test_home_shows_cycle_in_english_and_spanish(client, make):
    """The home page lists a public cycle, translated UI and content, per browser language."""
    cycle = make.cycle(title="Health Fund")
    from pb.db import db
    from pb.enums import TranslationStatus
    from pb.i18n.content import set_translation

    set_translation(obj=cycle, field="title", locale="es", text="Fondo de Salud", status=TranslationStatus.reviewed)
    db.session.commit()
    english = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    spanish = client.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in english and "Health Fund" in english
    assert '<html lang="es" dir="ltr">' in spanish and "Fondo de Salud" in spanish
    assert "Presupuesto" in spanish  # a translated UI label


def test_missing_translation_is_marked_pending(client, make):
    """Content without a translation is shown in its original language, visibly marked."""
    make.cycle(title="Health Fund")
    page = client.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Health Fund" in page and "traducción pendiente" in page


def test_language_picker_is_remembered_and_rtl(client, make):
    """Choosing Arabic sets dir=rtl and sticks for the session, whatever the browser says."""
    make.cycle()
    response = client.get("/language/ar?next=/audit/")
    assert response.status_code == 302 and response.location == "/audit/"
    page = client.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page


def test_language_picker_refuses_foreign_redirects(client):
    """The picker's `next` only leads back into this site."""
    assert client.get("/language/es?next=https://evil.example").location == "/"
    assert client.get("/language/es?next=//evil.example").location == "/"
    assert client.get("/language/xx").status_code == 404


def test_layout_has_skip_link_and_language_names_in_themselves(client):
    """Every page has a skip link and names each language in that language."""
    page = client.get("/").get_data(as_text=True)
    assert 'href="#main"' in page and 'id="main"' in page
    assert "Español" in page and "العربية" in page


@pytest.mark.parametrize("url", ["/ideas/0", "/ideas/99999999999999999999", "/projects/abc",
                                 "/cycles/no-such-cycle", "/cycles/x/ideas", "/nowhere"])
def test_unknown_or_malformed_ids_are_404(client, url):
    """Bad or unknown ids give the translated 404 page, never a server error."""
    response = client.get(url, headers={"Accept-Language": "es"})
    assert response.status_code == 404
    assert "Página no encontrada" in response.get_data(as_text=True)


def test_draft_cycles_are_not_public(client, make):
    """A cycle still in draft is invisible to the public."""
    from pb.enums import Phase

    cycle = make.cycle(phase=Phase.draft)
    assert client.get(f"/cycles/{cycle.slug}").status_code == 404


def test_wrong_method_is_a_translated_405(client):
    response = client.post("/", headers={"Accept-Language": "es"})
    assert response.status_code == 405
    assert "Traceback" not in response.get_data(as_text=True)


def test_post_without_csrf_token_is_refused(client, make):
    """A form posted without its CSRF token is refused and changes nothing."""
    user = make.user()
    response = client.post("/login", data={"email": user.email, "password": "correct horse battery"})
    assert response.status_code == 400
    assert "current_user" not in response.get_data(as_text=True)
    assert "_user_id" not in client.get_cookie("session").value if client.get_cookie("session") else True


def test_too_large_request_is_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 100
    response = client.post("/login", data={"x": "y" * 500})
    assert response.status_code == 413


def test_login_wrong_password_then_right(client, make):
    """Wrong passwords are refused with a message; the right one signs in to the dashboard."""
    from pb.enums import Role

    staff = make.user(Role.staff)
    token = csrf_from(client.get("/login").get_data(as_text=True))
    bad = client.post("/login", data={"email": staff.email, "password": "nope-nope-nope", "csrf_token": token})
    assert bad.status_code == 200 and "do not match" in bad.get_data(as_text=True)
    assert login(client, staff).location == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_security_headers(client):
    """Every response forbids framing and inline scripts."""
    headers = client.get("/").headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_money_is_formatted_per_locale(client, make):
    """Budgets are stored in cents and shown in the reader's number format."""
    make.cycle(budget_cents=400_000_00)
    assert "$400,000.00" in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    spanish = client.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "400.000,00" in spanish
