"""The ballot is frozen from the moment voting opens (issue 15, finding 2).

A "ballot fingerprint" holds every text and cost the ballot shows, in every offered language:
the cycle's title and description, the area names, and each ballot project's title, summary
and cost, as pb.i18n.content.Localized (which every page uses) shows them, plus the text of
the ballot page itself fetched by a voter in each language. During voting every POST route of
the app is called by every role with plausible form values and real ids; the fingerprint must
not move. The same calls are first shown to change the ballot before voting opens, so the
sweep would notice a hole.
"""

from __future__ import annotations

import html
import itertools
import re
from datetime import date, timedelta

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms.fields import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
)
from wtforms.fields.core import UnboundField

from pb import models
from pb.cycles.models import Cycle
from pb.db import db
from pb.deliberation.services import post_comment
from pb.enums import IdeaStatus, Phase, Role
from pb.errors import WrongPhase
from pb.i18n.content import Localized
from pb.i18n.models import ContentTranslation
from pb.kiosk.services import add_site, open_session
from pb.lifecycle.services import advance
from pb.proposals.models import Project
from pb.proposals.queries import ballot_projects
from pb.proposals.services import (
    create_project,
    mark_draft,
    mark_ready,
    review_idea,
    submit_idea,
    translate_project,
    update_project,
)
from pb.tally.rules.base import COMPLETIONS, POINTS
from pb.translations.services import review_translation, translate_field
from tests.conftest import csrf_from, login, open_voting

ROLES = [None, *Role]  # None: anonymous
OTHER_LOCALES = ["es", "ar"]
# Steps that end voting: called last (by every role), after the ballot page was compared.
ENDS_VOTING = {"admin.advance"}
# Steps after which staff must set up a phone app to sign in again (not ballot content): called
# only in the last sweep, so the sweeps before it can still sign staff in to close voting.
CHANGES_SIGN_IN = {"admin.staff_two_step"}
# Models whose rows a route parameter names, when the parameter is not ballot content.
ROW_PARAMS = {"idea_id": "Idea", "comment_id": "Comment", "kiosk_id": "KioskSession",
              "batch_id": "PaperBatch", "snapshot_id": "TallySnapshot"}


# ---- the ballot ---------------------------------------------------------------------------

class Ballot:
    """A cycle in development, in English, Spanish and Arabic, with two ready projects."""

    def __init__(self, make):
        self.staff, self.liaison = make.user(Role.staff), make.user(Role.liaison)
        self.reviewer = make.user(Role.staff)
        self.cycle = make.cycle(phase=Phase.ideas, actor=self.staff, languages=OTHER_LOCALES,
                                description="Money for health projects chosen by residents.")
        self._translate_cycle()
        self.idea = submit_idea(actor=make.user(Role.resident), cycle=self.cycle, title="Rides to the clinic",
                                body="A van that takes residents to their medical appointments.",
                                category="transport", locale="en")
        advance(actor=self.staff, cycle=self.cycle, current=Phase.ideas)
        review_idea(actor=self.staff, idea=self.idea, status=IdeaStatus.advanced)
        first = create_project(actor=self.staff, cycle=self.cycle, ideas=[self.idea], title="Clinic van",
                               summary="A van with a driver, five days a week.", locale="en",
                               cost_cents=40_000_00, category="transport")
        make.translate_and_review(first)
        mark_ready(actor=self.staff, project=first)
        second = make.project(self.cycle, actor=self.staff, title="Walk-in counselling",
                              summary="Two evenings a week at the library.", cost_cents=25_000_00)
        self.projects = [first, second]
        self.comment = post_comment(actor=self.liaison, target=first, body="Will the van have a lift?",
                                    locale="en")
        self.cycle.use_kiosks = True
        self.site = add_site(actor=self.staff, cycle=self.cycle, name="Library", area=self.cycle.areas[0])
        self.voter = make.voter(self.cycle)
        db.session.commit()

    def _translate_cycle(self) -> None:
        """Reviewed translations of the cycle and its areas, except the Arabic description:
        it waits for review, so reviewing it would change what the ballot shows."""
        texts = [(self.cycle, "title"), (self.cycle, "description"), *((a, "name") for a in self.cycle.areas)]
        for (obj, field), locale in itertools.product(texts, OTHER_LOCALES):
            translate_field(actor=self.liaison, obj=obj, field=field, locale=locale,
                            text=f"{getattr(obj, field)} ({locale})")
            if (field, locale) != ("description", "ar"):
                review_translation(actor=self.staff, obj=obj, field=field, locale=locale)

    def open_voting(self) -> None:
        open_voting(self.cycle, actor=self.staff)
        open_session(actor=self.liaison, cycle=self.cycle, site=self.site, device_token="frozen-ballot", pin="4816")
        db.session.commit()

    def translation_targets(self) -> list[tuple[str, int, str, str]]:
        """(object type, id, field, language) of every translatable text on the ballot."""
        fields = [("Cycle", self.cycle.id, "title"), ("Cycle", self.cycle.id, "description"),
                  *(("Area", a.id, "name") for a in self.cycle.areas),
                  *(("Project", p.id, f) for p in self.projects for f in ("title", "summary"))]
        return [(*f, locale) for f in fields for locale in OTHER_LOCALES]


@pytest.fixture
def ballot(make) -> Ballot:
    return Ballot(make)


def fingerprint(cycle: Cycle) -> dict:
    """Every text (with its pending mark) and cost on the ballot, per offered language, as
    Localized shows it to the ballot page."""
    db.session.expire_all()
    cycle = db.session.get(Cycle, cycle.id)
    projects = ballot_projects(cycle)
    shown = {}
    for locale in cycle.locales:
        tr = Localized([cycle, *cycle.areas, *projects], locale)
        shown[locale] = {"cycle": [tr(cycle, "title"), tr(cycle, "description")],
                         "areas": [tr(area, "name") for area in cycle.areas],
                         "projects": [(p.id, p.cost_cents, tr(p, "title"), tr(p, "summary")) for p in projects]}
    return shown


def visible_text(page: str) -> str:
    main = page[page.index("<main"):page.index("</main>")]
    main = re.sub(r"<script.*?</script>", "", main, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main)).split())


def ballot_pages(app, ballot: Ballot) -> dict[str, str]:
    """The ballot page's text as a voter sees it in each offered language."""
    pages = {}
    for locale in ballot.cycle.locales:
        voter = app.test_client()
        with voter.session_transaction() as session:
            session["voter"] = {"cycle": ballot.cycle.id, "credential": f"roll:{ballot.voter.id}"}
        response = voter.get(f"/cycles/{ballot.cycle.slug}/ballot", headers={"Accept-Language": locale})
        assert response.status_code == 200, locale
        pages[locale] = visible_text(response.get_data(as_text=True))
    return pages


# ---- calling every POST route ---------------------------------------------------------------

def post_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if "POST" in r.methods and r.endpoint != "static"),
                  key=lambda r: (r.endpoint in ENDS_VOTING, r.endpoint, r.rule))


def row_ids(model_name: str) -> list[int]:
    model = getattr(models, model_name)
    return list(db.session.scalars(select(model.id).order_by(model.id))) or [1]


def urls_for(app, rule, ballot: Ballot) -> list[str]:
    """The rule's URL for each real object it can name: every ballot project, every translation
    of ballot content, every row of the table another id names."""
    args = set(rule.arguments)
    choices: list[dict] = [{}]
    if {"object_type", "object_id", "field", "lang"} <= args:
        choices = [dict(zip(("object_type", "object_id", "field", "lang"), t, strict=True))
                   for t in ballot.translation_targets()]
    if "project_id" in args:
        choices = [c | {"project_id": p.id} for c in choices for p in ballot.projects]
    fixed = {"slug": ballot.cycle.slug, "token": "x", "code": "es"}
    for arg in args - {"object_type", "object_id", "field", "lang", "project_id"}:
        values = [fixed[arg]] if arg in fixed else row_ids(ROW_PARAMS[arg]) if arg in ROW_PARAMS else [1]
        choices = [c | {arg: value} for c in choices for value in values]
    with app.test_request_context():
        return [app.url_for(rule.endpoint, **values) for values in choices]


def form_classes():
    todo, found = [FlaskForm], []
    while todo:
        for sub in todo.pop().__subclasses__():
            found.append(sub)
            todo.append(sub)
    return found


def plausible(name: str, field_class, ballot: Ballot, n: int) -> str | list[str]:
    """A value a careless or hostile user might send in this field."""
    cycle = ballot.cycle
    by_name = {
        "title": f"Edited during voting {n}", "summary": f"A summary rewritten while people vote ({n}).",
        "text": f"Traducción cambiada durante la votación {n}", "body": f"A comment or idea written during voting {n}.",
        "description": f"A description rewritten during voting {n}.", "name": f"Changed name {n}",
        "cost": "1.00", "breakdown": "", "category": "food", "area": cycle.areas[-1].slug,
        "locale": "es", "lang": "es", "status": IdeaStatus.merged.value, "reason": f"A public reason {n}.",
        "merged_into": str(ballot.idea.id), "ideas": [str(ballot.idea.id)], "ready": "0",
        "current": str(db.session.get(Cycle, cycle.id).phase), "step": "cast", "email": f"frozen{n}@example.org",
        "birth_date": "1980-01-01", "site": str(ballot.site.id), "channel": "paper",
        "feasibility_notes": f"Notes changed during voting {n}.", "received_count": "3", "count": "3",
        # the cycle's settings, valid as a whole, so that its edit form gets as far as saving
        "languages": list(cycle.locales), "categories": ["food"], "budget": "400,000", "currency": "USD",
        "rule": cycle.rule, "points": POINTS[0], "completion": COMPLETIONS[0], "tie_break": cycle.tie_break,
        "tie_seed": "", "kiosk_idle_seconds": "120",
    }
    if name in by_name:
        return by_name[name]
    if name.startswith("date_"):  # a cycle's phase dates, in order (else the whole form is refused)
        return str(date(2031, 1, 1) + timedelta(days=30 * [str(p) for p in Phase].index(name[5:])))
    if issubclass(field_class, DateField):
        return "1980-01-01"
    if issubclass(field_class, IntegerField):
        return "3"
    if issubclass(field_class, BooleanField):
        return "y"
    if issubclass(field_class, SelectMultipleField | SelectField | RadioField | HiddenField):
        return "1"
    return f"Plausible text {n}"


def form_data(ballot: Ballot, n: int) -> dict:
    """Every field of every form of the app, filled with a plausible value (a route reads the
    fields of its own form and ignores the rest), plus a ranking of the ballot's projects."""
    data = {}
    for form in form_classes():
        for name, unbound in vars(form).items():
            if isinstance(unbound, UnboundField) and name != "csrf_token":
                value = plausible(name, unbound.field_class, ballot, n)
                data[name] = data[f"translation-{name}"] = value
    for rank, project in enumerate(ballot.projects, start=1):
        data[f"rank-{project.id}"] = str(rank)
    return data


class Caller:
    """One role's browser, calling POST routes with a valid CSRF token."""

    def __init__(self, app, make, role):
        self.app, self.make, self.role = app, make, role
        self.client = app.test_client()
        self._sign_in()
        self.calls = 0

    def _sign_in(self) -> None:
        if self.role is not None:
            login(self.client, self.make.user(self.role))
        self.token = csrf_from(self.client.get("/login").get_data(as_text=True))

    def post(self, url: str, ballot: Ballot, endpoint: str):
        self.calls += 1
        response = self.client.post(url, data=form_data(ballot, self.calls) | {"csrf_token": self.token})
        assert response.status_code < 500, (endpoint, self.role, url, response.status_code)
        if endpoint == "accounts.logout":
            self._sign_in()
        return response


def sweep(app, make, ballot: Ballot, *, endpoints=None) -> int:
    """Every POST route (or those in `endpoints`) with every real id, as every role."""
    calls = 0
    for role in ROLES:
        caller = Caller(app, make, role)
        for rule in post_rules(app):
            if endpoints is None or rule.endpoint in endpoints:
                for url in urls_for(app, rule, ballot):
                    caller.post(url, ballot, rule.endpoint)
                    calls += 1
    return calls


def call_as(app, make, ballot: Ballot, role: Role, endpoint: str, url: str):
    return Caller(app, make, role).post(url, ballot, endpoint)


# ---- the tests ----------------------------------------------------------------------------

def test_the_sweeps_calls_change_the_ballot_before_voting(app, make, ballot):
    """Before voting opens, the project edit, the translation save and the review route, called
    exactly as the sweep calls them, do change the fingerprint (so the sweep can see a change)."""
    first, second = ballot.projects
    before = fingerprint(ballot.cycle)
    call_as(app, make, ballot, Role.staff, "translations.review",
            f"/translations/Cycle/{ballot.cycle.id}/description/ar/review")
    after_review = fingerprint(ballot.cycle)
    assert after_review["ar"]["cycle"] != before["ar"]["cycle"]
    assert after_review["ar"]["cycle"][1].text == "Money for health projects chosen by residents. (ar)"

    call_as(app, make, ballot, Role.liaison, "translations.edit", f"/translations/Project/{second.id}/title/es")
    after_translation = fingerprint(ballot.cycle)
    assert after_translation != after_review
    assert second.id not in [p[0] for p in after_translation["es"]["projects"]]  # off the ballot until reviewed

    call_as(app, make, ballot, Role.staff, "proposals.edit_project", f"/admin/projects/{first.id}/edit")
    after_edit = fingerprint(ballot.cycle)
    assert after_edit != after_translation
    assert db.session.get(Project, first.id).title.startswith("Edited during voting")

    call_as(app, make, ballot, Role.staff, "admin.edit_cycle", f"/admin/cycles/{ballot.cycle.slug}/edit")
    assert fingerprint(ballot.cycle) != after_edit
    assert db.session.get(Cycle, ballot.cycle.id).title.startswith("Edited during voting")


def test_no_post_route_changes_the_ballot_during_voting(app, make, ballot):
    """During voting, every POST route called by every role with real ids and plausible values
    leaves every text and cost of the ballot unchanged, in every language, through the close."""
    ballot.open_voting()
    before, pages = fingerprint(ballot.cycle), ballot_pages(app, ballot)
    for locale in ballot.cycle.locales:  # the page shows what the fingerprint holds
        for _pid, _cost, title, summary in before[locale]["projects"]:
            assert title.text in pages[locale] and summary.text in pages[locale]
    translations = _translation_rows()

    calls = sweep(app, make, ballot, endpoints={r.endpoint for r in post_rules(app)} - ENDS_VOTING - CHANGES_SIGN_IN)

    assert calls > 200
    assert fingerprint(ballot.cycle) == before
    assert ballot_pages(app, ballot) == pages
    assert _translation_rows() == translations
    # Staff set aside the kiosks and paper batches the sweep left open, then close voting.
    sweep(app, make, ballot, endpoints={r.endpoint for r in post_rules(app) if "abandon" in r.endpoint})
    sweep(app, make, ballot, endpoints=ENDS_VOTING)
    assert db.session.get(Cycle, ballot.cycle.id).phase == Phase.tallying
    sweep(app, make, ballot)  # and every route again while the votes are counted
    assert fingerprint(ballot.cycle) == before
    assert _translation_rows() == translations


def _translation_rows() -> list[tuple]:
    """Every stored translation of ballot content, whether shown or not."""
    rows = db.session.scalars(select(ContentTranslation).where(
        ContentTranslation.object_type.in_(["Cycle", "Area", "Project"])).order_by(ContentTranslation.id))
    return [(r.object_type, r.object_id, r.field, r.locale, r.text, str(r.status), r.source_text) for r in rows]


def test_liaison_translation_edit_during_voting_is_refused(app, make, ballot):
    """A liaison who edits a reviewed ballot translation during voting is told the ballot is
    locked, and neither the translation nor the ballot changes."""
    ballot.open_voting()
    project = ballot.projects[0]
    before, rows = fingerprint(ballot.cycle), _translation_rows()
    client = app.test_client()
    login(client, ballot.liaison)
    url = f"/translations/Project/{project.id}/title/es"
    page = client.get(url).get_data(as_text=True)
    assert "The ballot is locked" in page and 'name="text"' not in page  # no form to fill in
    response = client.post(url, data={"text": "Proyecto RECHAZADO", "csrf_token": csrf_from(page)})
    assert response.status_code == 400
    assert "cannot change once voting has opened" in response.get_data(as_text=True)
    review = client.post(url + "/review", data={"csrf_token": csrf_from(page)}, follow_redirects=True)
    assert "cannot change once voting has opened" in review.get_data(as_text=True)
    assert _translation_rows() == rows and fingerprint(ballot.cycle) == before


def test_services_refuse_ballot_changes_after_voting_opens(make, ballot):
    """Every service that changes ballot content refuses once voting is open, whatever path
    (view, CLI, demo loader) calls it."""
    ballot.open_voting()
    project, staff = ballot.projects[0], ballot.staff
    attempts = [
        lambda: update_project(actor=staff, project=project, title="New title", summary=project.summary,
                               cost_cents=1_00, category="food"),
        lambda: translate_project(actor=staff, project=project, locale="es", title="Nuevo título",
                                  summary="Un resumen nuevo."),
        lambda: mark_draft(actor=staff, project=project),
        lambda: create_project(actor=staff, cycle=ballot.cycle, title="Late project", summary="Too late now.",
                               locale="en", cost_cents=1_00, category="food"),
        lambda: translate_field(actor=ballot.liaison, obj=ballot.cycle, field="title", locale="es", text="Otro"),
        lambda: translate_field(actor=ballot.liaison, obj=ballot.cycle.areas[0], field="name", locale="ar",
                                text="شمال"),
        lambda: review_translation(actor=ballot.reviewer, obj=ballot.cycle, field="description", locale="ar"),
    ]
    before = fingerprint(ballot.cycle)
    for attempt in attempts:
        with pytest.raises(WrongPhase, match="cannot change once voting has opened"):
            attempt()
        db.session.rollback()
    assert fingerprint(ballot.cycle) == before
