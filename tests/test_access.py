"""Every route declares who may use it, and the declaration is enforced for every role."""

import pytest

from pb.accounts.access import PUBLIC, SIGNED_IN
from pb.enums import Phase, Role
from tests.conftest import csrf_from, login

ROLES = [None, *Role]  # None = anonymous
# Who may use each route: the reviewed policy, committed here and changed on purpose. The
# decorators on the views must say the same (test_views_declare_the_committed_policy), and
# each role's answers are checked against this table, not against the decorators.
POLICY = {
    "accounts.accept_invitation": PUBLIC,
    "accounts.language": PUBLIC,
    "accounts.forgot_password": PUBLIC,
    "accounts.login": PUBLIC,
    "accounts.logout": SIGNED_IN,
    "accounts.required_two_factor": PUBLIC,
    "accounts.reset_password": PUBLIC,
    "accounts.second_factor": PUBLIC,
    "accounts.two_factor": {Role.liaison, Role.observer, Role.staff},
    "admin.abandon_batch": {Role.staff},
    "admin.add_area": {Role.staff},
    "admin.cycle": {Role.staff},
    "admin.edit_cycle": {Role.staff},
    "admin.new_cycle": {Role.staff},
    "admin.preview_cycle": {Role.staff},
    "admin.rename_area": {Role.staff},
    "admin.retire_area": {Role.staff},
    "admin.users": {Role.staff},
    "admin.change_role": {Role.staff},
    "admin.deactivate_user": {Role.staff},
    "admin.invite_user": {Role.staff},
    "admin.person": {Role.staff},
    "admin.reactivate_user": {Role.staff},
    "admin.resend_invitation": {Role.staff},
    "admin.staff_two_step": {Role.staff},
    "admin.abandon_kiosk": {Role.staff},
    "admin.advance": {Role.staff},
    "admin.close_voting": {Role.staff},
    "admin.codes": {Role.staff},
    "admin.credentials": {Role.staff},
    "admin.dashboard": {Role.liaison, Role.observer, Role.staff},
    "admin.issue_codes": {Role.staff},
    "admin.participation": {Role.observer, Role.staff},
    "admin.exports": {Role.observer, Role.staff},
    "admin.export_comments": {Role.observer, Role.staff},
    "admin.export_ideas": {Role.observer, Role.staff},
    "admin.export_participation": {Role.observer, Role.staff},
    "admin.export_progress": {Role.observer, Role.staff},
    "admin.export_projects": {Role.observer, Role.staff},
    "admin.operations": {Role.staff},
    "admin.paper_ballot": {Role.liaison, Role.staff},
    "admin.sites": {Role.staff},
    "admin.void_codes": {Role.staff},
    "audit.export": PUBLIC,
    "audit.index": PUBLIC,
    "cycles.accessibility": PUBLIC,
    "cycles.detail": PUBLIC,
    "cycles.home": PUBLIC,
    "cycles.project": PUBLIC,
    "deliberation.comment_idea": SIGNED_IN,
    "deliberation.comment_project": SIGNED_IN,
    "deliberation.dismiss_reports": {Role.liaison, Role.staff},
    "deliberation.hide": {Role.liaison, Role.staff},
    "deliberation.moderation": {Role.liaison, Role.staff},
    "deliberation.report": SIGNED_IN,
    "deliberation.translate": {Role.liaison, Role.staff},
    "deliberation.unhide": {Role.liaison, Role.staff},
    "health.healthz": PUBLIC,
    "kiosk.add_paper_check_in": {Role.liaison, Role.staff},
    "kiosk.ballot": {Role.liaison, Role.staff},
    "kiosk.batch": {Role.liaison, Role.staff},
    "kiosk.cancel_batch": {Role.liaison, Role.staff},
    "kiosk.check_in": {Role.liaison, Role.staff},
    "kiosk.close_batch": {Role.liaison, Role.staff},
    "kiosk.confirm_received": {Role.liaison, Role.staff},
    "kiosk.dashboard": {Role.liaison, Role.staff},
    "kiosk.double_entry": {Role.staff},
    "kiosk.enter_sheet": {Role.liaison, Role.staff},
    "kiosk.exit": {Role.liaison, Role.staff},
    "kiosk.open_batch": {Role.liaison, Role.staff},
    "kiosk.open_kiosk": {Role.liaison, Role.staff},
    "kiosk.project": {Role.liaison, Role.staff},
    "kiosk.review": {Role.liaison, Role.staff},
    "kiosk.start": {Role.liaison, Role.staff},
    "kiosk.thanks": {Role.liaison, Role.staff},
    "kiosk.timeout": {Role.liaison, Role.staff},
    "survey.charts": {Role.staff},
    "survey.close_paper": {Role.liaison, Role.staff},
    "survey.edit_question": {Role.staff},
    "survey.equity": PUBLIC,
    "survey.import_population": {Role.staff},
    "survey.kiosk": {Role.liaison, Role.staff},
    "survey.online": PUBLIC,
    "survey.paper": {Role.liaison, Role.staff},
    "survey.paper_batch": {Role.liaison, Role.staff},
    "survey.population": {Role.staff},
    "survey.questions": {Role.staff},
    "survey.record": {Role.staff},
    "survey.record_csv": {Role.staff},
    "survey.remove_question": {Role.staff},
    "survey.report": {Role.staff},
    "survey.switch_turnout": {Role.staff},
    "survey.turnout_page": {Role.staff},
    "proposals.detail": PUBLIC,
    "proposals.edit_idea": SIGNED_IN,
    "proposals.edit_project": {Role.staff},
    "proposals.index": PUBLIC,
    "proposals.new": PUBLIC,
    "proposals.new_on_behalf": {Role.liaison, Role.staff},
    "proposals.new_project": {Role.staff},
    "proposals.ready_project": {Role.staff},
    "proposals.review": {Role.staff},
    "proposals.review_queue": {Role.staff},
    "proposals.support_idea": {Role.resident},
    "proposals.withdraw_idea": SIGNED_IN,
    "proposals.translate_project": {Role.staff},
    "results.ballots_csv": PUBLIC,
    "results.ballots_file": PUBLIC,
    "results.check": PUBLIC,
    "results.count_page": {Role.observer, Role.staff},
    "results.correct_progress": {Role.staff},
    "results.progress": {Role.staff},
    "results.grant_terms": {Role.staff},
    "results.public_results": PUBLIC,
    "results.publish": {Role.staff},
    "residents.account": SIGNED_IN,
    "residents.activity": SIGNED_IN,
    "residents.change_email": SIGNED_IN,
    "residents.confirm_email": PUBLIC,
    "residents.delete_account": {Role.resident},
    "residents.download_data": SIGNED_IN,
    "residents.follow_idea": SIGNED_IN,
    "residents.follow_project": SIGNED_IN,
    "residents.sign_in_link": PUBLIC,
    "residents.sign_in_with_link": PUBLIC,
    "residents.signup": PUBLIC,
    "residents.unsubscribe": PUBLIC,
    "residents.unsubscribe_one_click": PUBLIC,
    "residents.verify": PUBLIC,
    "results.result_json": PUBLIC,
    "results.run_count": {Role.staff},
    "results.trackers": PUBLIC,
    "translations.edit": {Role.liaison, Role.staff},
    "translations.queue": {Role.liaison, Role.staff},
    "translations.review": {Role.liaison, Role.staff},
    "voting.ballot": PUBLIC,
    "voting.decide_held": {Role.liaison, Role.staff},
    "voting.held": {Role.liaison, Role.staff},
    "voting.register": PUBLIC,
    "voting.start": PUBLIC,
    "voting.tracker": PUBLIC,
    "voting.use_code": PUBLIC,
    "voting.verify": PUBLIC,
}
# Observers read; they may post only to their own sign-in steps (pb.accounts.access).
OBSERVER_POSTS = {"accounts.login", "accounts.second_factor", "accounts.two_factor", "accounts.logout"}
# Public steps of signing in that send a browser without a pending sign-in back to the login page.
SIGN_IN_STEPS = {"accounts.second_factor", "accounts.required_two_factor"}


def declared_rules(app) -> dict[str, object]:
    return {endpoint: getattr(view, "access", None)
            for endpoint, view in app.view_functions.items() if endpoint != "static"}


def test_every_route_declares_an_access_rule(app):
    """A new view without @public, @signed_in or @roles(...) fails here."""
    missing = [endpoint for endpoint, rule in declared_rules(app).items() if rule is None]
    assert missing == []


def test_views_declare_the_committed_policy(app):
    """Every route is in the policy table, and its decorator grants exactly what the table says."""
    declared = {e: r if isinstance(r, str) else set(r) for e, r in declared_rules(app).items()}
    expected = {e: r if isinstance(r, str) else set(r) for e, r in POLICY.items()}
    assert declared == expected


def route_methods(app) -> list[tuple[str, str]]:
    """Every (endpoint, method) the URL map serves, apart from static files, HEAD and OPTIONS."""
    return sorted((rule.endpoint, method) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
                  for method in rule.methods - {"HEAD", "OPTIONS"})


def sample_url(app, endpoint: str, cycle, method: str | None = None) -> tuple[str, str]:
    """A concrete URL and method for an endpoint, filling ids with existing objects."""
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {"slug": cycle.slug, "code": "es", "project_id": 1, "idea_id": 1, "token": "x", "kiosk_id": 1, "batch_id": 1,
              "snapshot_id": 1, "object_type": "Cycle", "object_id": cycle.id, "field": "title", "lang": "es",
              "comment_id": 1, "area_id": 1, "survey_batch_id": 1, "update_id": 1, "question_id": 1,
              "user_id": 1}
    method = method or ("POST" if "POST" in rule.methods and "GET" not in rule.methods else "GET")
    with app.test_request_context():
        return app.url_for(endpoint, **{k: values[k] for k in rule.arguments}), method


@pytest.mark.parametrize("role", ROLES, ids=lambda r: str(r) if r else "anonymous")
def test_roles_route_by_route(app, make, role):
    """Each endpoint answers each role as the policy table says: allowed, login, or 403."""
    cycle = make.cycle(phase=Phase.ideas)
    client = app.test_client()
    if role is not None:
        login(client, make.user(role))
    token = csrf_from(client.get("/login").get_data(as_text=True))
    visited = set()
    for endpoint, method in route_methods(app):  # every route, with every method it accepts
        rule = POLICY[endpoint]
        url, method = sample_url(app, endpoint, cycle, method)
        visited.add((endpoint, method))
        data = {"csrf_token": token, "current": str(cycle.phase)} if method == "POST" else None
        response = client.open(url, method=method, data=data)
        if role == Role.observer and method == "POST" and endpoint not in OBSERVER_POSTS:
            assert response.status_code == 403, (endpoint, role, response.status_code)
        elif rule == PUBLIC or (rule == SIGNED_IN and role is not None) or (
                isinstance(rule, set) and role in rule):
            # Allowed: the page, a redirect, a 404 for the sample id, or a refusal of the
            # sample form's content (400) — but never the login page or a 403.
            assert response.status_code in (200, 302, 400, 404), (endpoint, role, response.status_code)
            if response.status_code == 302 and endpoint not in SIGN_IN_STEPS:
                assert "/login" not in response.location, (endpoint, role)
        elif role is None:
            assert response.status_code == 302 and "/login" in response.location, (endpoint, role)
        else:
            assert response.status_code == 403, (endpoint, role, response.status_code)
        if endpoint == "accounts.logout" and role is not None:
            login(client, make.user(role))
            token = csrf_from(client.get("/login").get_data(as_text=True))
    assert visited == {(e, m) for e, m in route_methods(app)}  # 100% of routes x methods


def test_staff_advances_phase_with_audit_event(client, make):
    """Advancing a phase is a staff action recorded in the audit log."""
    from pb.audit.models import AuditEvent
    from pb.db import db

    staff = make.user(Role.staff)
    cycle = make.cycle(phase=Phase.ideas)
    login(client, staff)
    token = csrf_from(client.get("/admin/").get_data(as_text=True))
    response = client.post(f"/admin/cycles/{cycle.slug}/advance", data={"csrf_token": token, "current": "ideas"})
    assert response.status_code == 302
    db.session.refresh(cycle)
    assert cycle.phase == Phase.development
    last = db.session.query(AuditEvent).order_by(AuditEvent.seq.desc()).first()
    assert (last.action, last.actor_id, last.data) == ("cycle.advance", staff.id,
                                                       {"from": "ideas", "to": "development"})


def test_stale_advance_does_not_skip_a_phase(client, make):
    """A second click on an old page does not move the cycle twice."""
    from pb.db import db

    staff = make.user(Role.staff)
    cycle = make.cycle(phase=Phase.ideas)
    login(client, staff)
    token = csrf_from(client.get("/admin/").get_data(as_text=True))
    for _ in range(2):
        client.post(f"/admin/cycles/{cycle.slug}/advance", data={"csrf_token": token, "current": "ideas"})
    db.session.refresh(cycle)
    assert cycle.phase == Phase.development


def test_advance_refuses_nonsense_phase(client, make):
    """A forged phase value is refused without a change or a server error."""
    from pb.db import db

    cycle = make.cycle(phase=Phase.ideas)
    login(client, make.user(Role.staff))
    token = csrf_from(client.get("/admin/").get_data(as_text=True))
    response = client.post(f"/admin/cycles/{cycle.slug}/advance", data={"csrf_token": token, "current": "<x>"})
    assert response.status_code == 302
    db.session.refresh(cycle)
    assert cycle.phase == Phase.ideas
