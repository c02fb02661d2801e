"""Shared fixtures: an app on SQLite (default) or PostgreSQL (`--db=postgresql`), a client,
a CLI runner and small factories. Every test starts from an empty, migrated database."""

from __future__ import annotations

import contextvars
import os
import re
from datetime import date

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from pb.db import db, write_intent
from pb.enums import Phase, Role
from pb.factory import create_app

DEFAULT_PASSWORD = "correct horse battery"


def pytest_addoption(parser):
    parser.addoption("--db", choices=["sqlite", "postgresql"],
                     default=os.environ.get("PB_TEST_DB", "sqlite"),
                     help="database backend for tests that use the app")


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL, run only the tests that touch a database (the rest ran on the SQLite pass);
    on SQLite, leave out the few tests of PostgreSQL-only behaviour."""
    if config.getoption("--db") != "postgresql":
        keep = [item for item in items if not item.get_closest_marker("postgresql_only")]
    else:
        keep = [item for item in items
                if "app" in getattr(item, "fixturenames", ()) and not item.get_closest_marker("browser")]
    config.hook.pytest_deselected(items=[i for i in items if i not in keep])
    items[:] = keep


@pytest.fixture(scope="session")
def database_url(request, tmp_path_factory) -> str:
    """A freshly migrated database for this test session."""
    if request.config.getoption("--db") == "postgresql":
        url = os.environ.get("PB_TEST_DATABASE_URL")
        if not url:
            pytest.exit("--db=postgresql needs PB_TEST_DATABASE_URL (see .ci/with-postgres)", 2)
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    with app.app_context():
        from pb.migrate import upgrade

        upgrade()
        db.engine.dispose()
    return url


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production.

    The test's own session commits its setup first (so a request never waits on the test's
    lock) and forgets cached state afterwards (so assertions read what the request wrote).
    """

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)  # streamed bodies run inside the request's context
        if not has_app_context():  # a request from a helper thread of the test
            return contextvars.Context().run(super().open, *args, **kwargs)
        db.session.commit()
        response = contextvars.Context().run(super().open, *args, **kwargs)
        db.session.expire_all()
        return response


def make_app(database_url: str, **overrides):
    config = {"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test-secret",
              "VOTER_KEY_SECRET": "test-voter-secret"}
    app = create_app(config | overrides)
    app.test_client_class = IsolatedClient
    return app


def _empty_all_tables() -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        # The audit table refuses TRUNCATE (pb/migrations); as its owner, lift that for the reset.
        db.session.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_truncate"))
        db.session.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " CASCADE"))
        db.session.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_truncate"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def app(database_url):
    app = make_app(database_url)
    # The test's own reads must not take SQLite's write lock (see pb.db.write_intent), or a
    # request or CLI command run by the test would wait for it.
    token = write_intent.set(False)
    with app.app_context():
        yield app
        db.session.remove()
        _empty_all_tables()
        db.engine.dispose()
    write_intent.reset(token)


@pytest.fixture
def client(app):
    return app.test_client()


class Runner:
    """The CLI runner, with the test's setup committed first and its cache cleared after."""

    def __init__(self, app):
        self.runner = app.test_cli_runner()

    def invoke(self, *args, **kwargs):
        db.session.commit()
        result = self.runner.invoke(*args, **kwargs)
        db.session.expire_all()
        return result


@pytest.fixture
def runner(app):
    return Runner(app)


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


# ---- factories -------------------------------------------------------------------------

class Factory:
    """Builds domain objects through the services, so tests exercise the real rules."""

    def __init__(self):
        self.n = 0

    def user(self, role: Role = Role.resident, password: str = DEFAULT_PASSWORD, **kw):
        from pb.accounts.services import create_user

        self.n += 1
        user = create_user(actor=None, email=kw.pop("email", f"user{self.n}@example.org"),
                           name=kw.pop("name", f"User {self.n}"), password=password, role=role, **kw)
        db.session.commit()
        return user

    def cycle(self, phase: Phase = Phase.ideas, budget_cents: int = 100_000_00, **kw):
        from pb.cycles.services import create_cycle
        from pb.lifecycle.services import advance

        self.n += 1
        staff = kw.pop("actor", None) or self.user(Role.staff)
        kw.setdefault("schedule", default_schedule())
        cycle = create_cycle(actor=staff, slug=kw.pop("slug", f"cycle-{self.n}"),
                             title=kw.pop("title", f"Cycle {self.n}"), locale=kw.pop("locale", "en"),
                             budget_cents=budget_cents,
                             areas=kw.pop("areas", [("north", "North"), ("south", "South")]), **kw)
        while cycle.phase != phase and cycle.phase.next is not None:
            advance(actor=staff, cycle=cycle, current=cycle.phase)
        db.session.commit()
        return cycle

    def project(self, cycle, cost_cents: int = 10_000_00, ready: bool = True, **kw):
        from pb.proposals.services import create_project, mark_ready

        staff = kw.pop("actor", None) or self.user(Role.staff)
        self.n += 1
        project = create_project(actor=staff, cycle=cycle, title=kw.pop("title", f"Project {self.n}"),
                                 summary=kw.pop("summary", "A useful project."), locale="en",
                                 cost_cents=cost_cents, category=kw.pop("category", "food"), **kw)
        if ready:
            self.translate_and_review(project)
            mark_ready(actor=staff, project=project)
        db.session.commit()
        return project

    def translate_and_review(self, project):
        """Reviewed translations in every offered language, as the ballot requires."""
        from pb.translations.services import review_translation, translate_field

        others = [code for code in project.cycle.locales if code != project.locale]
        if not others:
            return
        if not hasattr(self, "_translators"):
            self._translators = (self.user(Role.liaison), self.user(Role.staff))
        translator, reviewer = self._translators
        for locale in others:
            for field in ("title", "summary"):
                text = f"{getattr(project, field)} [{locale}]"
                translate_field(actor=translator, obj=project, field=field, locale=locale, text=text)
                review_translation(actor=reviewer, obj=project, field=field, locale=locale)

    def voter(self, cycle, name: str | None = None):
        from pb.enums import Channel
        from pb.voting.services import register_voter

        self.n += 1
        # Checked in by a liaison: an online registration resembling an earlier one would be
        # held for a decision, and a held entry cannot vote.
        entry = register_voter(cycle=cycle, name=name or f"Voter {self.n}",
                               birth_date=date(1980, 1, 1), area=cycle.areas[0],
                               channel=Channel.kiosk, today=date(2027, 1, 1))
        db.session.commit()
        return entry


def default_schedule() -> dict:
    """Announced dates for every phase after draft, one month apart (readiness needs them)."""
    from datetime import UTC, datetime

    return {phase: datetime(2027, 1 + i, 1, tzinfo=UTC) for i, phase in enumerate(list(Phase)[1:])}


def open_voting(cycle, actor=None):
    """Open voting as staff would once the readiness checklist passes: a batch of access codes
    is issued first (the cycle accepts them), and the test cycle's budget, which may cover
    every project, is acknowledged."""
    from pb.lifecycle.services import advance
    from pb.voting.models import AccessCode
    from pb.voting.services import issue_access_codes

    if cycle.allow_access_codes and not db.session.query(AccessCode).filter_by(cycle_id=cycle.id).count():
        issue_access_codes(actor=actor, cycle=cycle, count=1, batch="readiness")
    advance(actor=actor, cycle=cycle, current=Phase.development, acknowledge_full_funding=True)
    db.session.commit()
    return cycle


@pytest.fixture
def make(app):
    return Factory()


def login(client, user, password: str = DEFAULT_PASSWORD):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": user.email, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response
