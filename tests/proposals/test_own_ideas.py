"""Residents' own ideas during idea collection: edit (history kept and shown), withdraw, support."""

import threading

from sqlalchemy import select

from pb.audit.models import AuditEvent
from pb.db import db
from pb.enums import IdeaStatus, Phase, Role
from pb.lifecycle.services import advance
from pb.proposals.models import Idea, IdeaRevision, IdeaSupport
from tests.admin.test_cycles import edit_data, post
from tests.conftest import csrf_from, login
from tests.proposals.conftest import count, idea


def signed_in(app, user):
    client = app.test_client()
    login(client, user)
    return client, csrf_from(client.get("/login", follow_redirects=True).get_data(as_text=True))


def edit(client, token, shared, **overrides):
    data = {"title": "Evening rides to the clinic", "body": "A van after work hours, also on Saturdays.",
            "location_text": "Riverside clinic", "csrf_token": token} | overrides
    return client.post(f"/ideas/{shared.id}/edit", data=data)


def last_event() -> AuditEvent:
    return db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()


# ---- edit and withdraw ------------------------------------------------------------------

def test_author_edits_and_the_page_shows_the_earlier_text(app, make, cycle):
    """The author's change is saved, audited without their name, and the page says it was
    edited and keeps the earlier text in a details block."""
    author = make.user(Role.resident)
    shared = idea(cycle, author)
    client, token = signed_in(app, author)
    assert client.get(f"/ideas/{shared.id}/edit").status_code == 200
    response = edit(client, token, shared)
    assert response.status_code == 302 and response.location.endswith(f"/ideas/{shared.id}")
    db.session.refresh(shared)
    assert shared.title == "Evening rides to the clinic"
    event = last_event()
    assert (event.action, event.actor_id, event.data) == ("idea.edit", None, {"changed": ["body", "title"]})
    page = app.test_client().get(f"/ideas/{shared.id}").get_data(as_text=True)
    assert "Edited by its author on" in page and "<details class=\"idea-history\">" in page
    assert "Evening rides to dialysis" in page  # the earlier title, still readable
    assert "A van that takes people to the dialysis clinic after work hours." in page


def test_two_edits_keep_two_earlier_versions(app, make, cycle):
    """Every edit keeps the text it replaced, newest first."""
    author = make.user(Role.resident)
    shared = idea(cycle, author)
    client, token = signed_in(app, author)
    edit(client, token, shared, title="Second title")
    edit(client, token, shared, title="Third title")
    titles = [r.title for r in db.session.scalars(select(IdeaRevision).order_by(IdeaRevision.id.desc()))]
    assert titles == ["Second title", "Evening rides to dialysis"]
    assert "2 earlier versions" in app.test_client().get(f"/ideas/{shared.id}").get_data(as_text=True)


def test_only_the_author_can_edit_or_withdraw(app, make, cycle):
    """Another resident, a liaison and staff are refused; the idea and its history are unchanged."""
    shared = idea(cycle, make.user(Role.resident))
    for role in (Role.resident, Role.liaison, Role.staff):
        client, token = signed_in(app, make.user(role))
        assert client.get(f"/ideas/{shared.id}/edit").status_code == 403
        edit(client, token, shared, title="Taken over")
        client.post(f"/ideas/{shared.id}/withdraw", data={"reason": "no", "csrf_token": token})
    db.session.refresh(shared)
    assert (shared.title, shared.status) == ("Evening rides to dialysis", IdeaStatus.submitted)
    assert count(IdeaRevision) == 0


def test_anonymous_visitor_is_sent_to_sign_in(app, make, cycle):
    """Without an account, the edit page asks to sign in and the withdraw form changes nothing."""
    shared = idea(cycle, make.user(Role.resident))
    client = app.test_client()
    response = client.get(f"/ideas/{shared.id}/edit")
    assert response.status_code == 302 and "/login" in response.location
    db.session.refresh(shared)
    assert shared.status == IdeaStatus.submitted


def test_author_withdraws_with_a_reason(app, make, cycle):
    """Withdrawing sets the withdrawn status with the public reason, audited, shown on the page."""
    author = make.user(Role.resident)
    shared = idea(cycle, author)
    client, token = signed_in(app, author)
    response = client.post(f"/ideas/{shared.id}/withdraw", data={"reason": "The city did it.", "csrf_token": token})
    assert response.status_code == 302
    db.session.refresh(shared)
    assert (shared.status, shared.status_reason) == (IdeaStatus.withdrawn, "The city did it.")
    assert (last_event().action, last_event().actor_id) == ("idea.withdraw", None)
    page = app.test_client().get(f"/ideas/{shared.id}").get_data(as_text=True)
    assert "Withdrawn by its author" in page and "The city did it." in page
    assert edit(client, token, shared).status_code == 302  # no more edits after withdrawing
    db.session.refresh(shared)
    assert shared.title == "Evening rides to dialysis"


def test_no_edit_after_idea_collection_or_a_staff_decision(app, make, cycle):
    """Once staff decided, or the cycle moved on, the author's edit and withdraw change nothing."""
    author, staff = make.user(Role.resident), make.user(Role.staff)
    decided = idea(cycle, author, status=IdeaStatus.advanced, reviewer=staff)
    waiting = idea(cycle, author, title="Another idea", body="Another body for the test.")
    client, token = signed_in(app, author)
    edit(client, token, decided)
    advance(actor=staff, cycle=cycle, current=Phase.ideas)
    db.session.commit()
    edit(client, token, waiting)
    client.post(f"/ideas/{waiting.id}/withdraw", data={"csrf_token": token})
    assert [(i.title, i.status) for i in db.session.scalars(select(Idea).order_by(Idea.id))] == [
        ("Evening rides to dialysis", IdeaStatus.advanced), ("Another idea", IdeaStatus.submitted)]
    assert count(IdeaRevision) == 0


def test_a_too_long_edit_is_refused_with_a_message(app, make, cycle):
    """Bad input gets the form back with its message and changes nothing."""
    author = make.user(Role.resident)
    shared = idea(cycle, author)
    client, token = signed_in(app, author)
    response = edit(client, token, shared, title="x" * 500)
    assert response.status_code == 400
    db.session.refresh(shared)
    assert shared.title == "Evening rides to dialysis" and count(IdeaRevision) == 0


# ---- supports ---------------------------------------------------------------------------

def support(client, token, shared, action="support"):
    return client.post(f"/ideas/{shared.id}/support", data={"action": action, "csrf_token": token})


def test_one_support_per_account(app, make, cycle):
    """A second support from the same account adds nothing; taking it back removes it."""
    shared = idea(cycle, make.user(Role.resident))
    client, token = signed_in(app, make.user(Role.resident))
    support(client, token, shared)
    support(client, token, shared)
    assert count(IdeaSupport) == 1
    support(client, token, shared, "unsupport")
    assert count(IdeaSupport) == 0


def test_support_events_name_no_one(app, make, cycle):
    """The audit event of a support carries neither the supporter's id nor any data about them."""
    shared = idea(cycle, make.user(Role.resident))
    client, token = signed_in(app, make.user(Role.resident))
    support(client, token, shared)
    event = last_event()
    assert (event.action, event.actor_id, event.actor_role, event.data) == ("idea.support", None, "resident", {})


def test_parallel_double_support_stores_one(app, make, cycle):
    """Two support clicks from one account at the same moment store one row, and both get a page."""
    shared = idea(cycle, make.user(Role.resident))
    supporter = make.user(Role.resident)
    pairs = [signed_in(app, supporter) for _ in range(2)]
    url = f"/ideas/{shared.id}/support"  # read before the threads: they have no app context
    db.session.commit()
    barrier, statuses = threading.Barrier(2), []

    def send(client, token):
        barrier.wait()
        statuses.append(client.post(url, data={"action": "support", "csrf_token": token}).status_code)

    threads = [threading.Thread(target=send, args=pair) for pair in pairs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [302, 302], statuses
    assert count(IdeaSupport) == 1


def test_only_residents_support_and_not_their_own_idea(app, make, cycle):
    """Staff, liaisons and the author cannot add supports; observers are refused too."""
    author = make.user(Role.resident)
    shared = idea(cycle, author)
    for user in (author, make.user(Role.staff), make.user(Role.liaison), make.user(Role.observer)):
        client, token = signed_in(app, user)
        assert support(client, token, shared).status_code in (302, 403)
    assert count(IdeaSupport) == 0


def test_counts_hidden_unless_the_cycle_shows_them(app, make, cycle):
    """The idea page shows the count only if the cycle allows; staff always see it on the review queue."""
    shared = idea(cycle, make.user(Role.resident))
    for _ in range(2):
        support(*signed_in(app, make.user(Role.resident)), shared)
    page = app.test_client().get(f"/ideas/{shared.id}").get_data(as_text=True)
    assert "id=\"idea-supports\"" not in page and "support this idea." not in page
    staff_client, _token = signed_in(app, make.user(Role.staff))
    queue = staff_client.get(f"/admin/cycles/{cycle.slug}/ideas").get_data(as_text=True)
    assert "<td class=\"num\">2</td>" in queue
    cycle.show_support_counts = True
    db.session.commit()
    page = app.test_client().get(f"/ideas/{shared.id}").get_data(as_text=True)
    assert "2 residents support this idea." in page


def test_hidden_counts_do_not_leak_through_the_audit_log(app, make, cycle):
    """While counts are hidden, a support event is recorded against the cycle, not the idea."""
    shared = idea(cycle, make.user(Role.resident))
    support(*signed_in(app, make.user(Role.resident)), shared)
    assert (last_event().object_type, last_event().object_id) == ("Cycle", str(cycle.id))


def test_staff_turn_counts_on_in_the_cycle_form(app, make, cycle):
    """The checkbox on the staff cycle form saves the setting, audited as a cycle change."""
    client, _token = signed_in(app, make.user(Role.staff))
    url = f"/admin/cycles/{cycle.slug}/edit"
    assert 'name="show_support_counts"' in client.get(url).get_data(as_text=True)
    response = post(client, url, edit_data(cycle, areas="", show_support_counts="y"))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.refresh(cycle)
    assert cycle.show_support_counts is True
    assert last_event().action == "cycle.update" and "show_support_counts" in last_event().data["changed"]
