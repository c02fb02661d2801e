"""A second tap on "Cast my ballot" shows the first tap's tracker; a different ballot is refused."""

import threading

from sqlalchemy import func, select

from pb.db import db
from pb.enums import Phase, Role
from pb.lifecycle.services import advance
from pb.voting.models import Ballot, Tracker, VoteMark
from tests.voting.conftest import enter_code, ranks, tracker_in


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def reviewed(client, cycle, ids, *order):
    """Enter a code, review a ranking; returns (cast form, the session cookie the cast carries)."""
    token = enter_code(client, cycle, client.code)
    form = {"csrf_token": token, **ranks(ids, *order)}
    assert client.post(f"/cycles/{cycle.slug}/ballot", data=form | {"step": "review"}).status_code == 200
    return form | {"step": "cast"}, client.get_cookie("session").value


def confirmation(client, response) -> str | None:
    assert response.status_code == 200, response.status_code
    return tracker_in(response.get_data(as_text=True))


def test_double_tap_shows_the_same_tracker(app, client, voting_cycle, codes):
    """The second request carries the pre-cast cookie (the browser dropped the first answer) and
    gets the confirmation with the tracker the first request stored, not 'already voted'."""
    cycle, ids = voting_cycle
    client.code = codes[0]
    form, cookie = reviewed(client, cycle, ids, 2, 0)
    first = confirmation(client, client.post(f"/cycles/{cycle.slug}/ballot", data=form))
    second_tap = app.test_client()
    second_tap.set_cookie("session", cookie)
    second = confirmation(second_tap, second_tap.post(f"/cycles/{cycle.slug}/ballot", data=form))
    assert first and second == first
    assert count(Ballot) == 1 and count(VoteMark) == 1
    assert db.session.scalars(select(Tracker.code)).all() == [first]


def test_reloading_the_confirmation_shows_it_again(app, client, voting_cycle, codes):
    """A reload sends the cast again with the cookie the confirmation set: the voter sees the
    same confirmation and tracker (not "enter your access code", which reads as a lost vote),
    and nothing more is stored. Another browser gets no confirmation."""
    cycle, ids = voting_cycle
    client.code = codes[0]
    form, _ = reviewed(client, cycle, ids, 1, 3)
    first = confirmation(client, client.post(f"/cycles/{cycle.slug}/ballot", data=form))
    assert confirmation(client, client.post(f"/cycles/{cycle.slug}/ballot", data=form)) == first
    assert count(Ballot) == 1 and count(VoteMark) == 1
    stranger = app.test_client().post(f"/cycles/{cycle.slug}/ballot", data=form)
    assert stranger.status_code in (302, 400) and tracker_in(stranger.get_data(as_text=True)) is None


def test_only_the_very_same_cast_is_confirmed_again(app, client, voting_cycle, codes):
    """After a cast, a different ranking sent from this browser (another tab) is not told
    "saved"; neither is a visit to the ballot page (a later person on a shared computer), nor
    the reload of someone else's refused cast, nor a reload after half an hour."""
    cycle, ids = voting_cycle
    used_elsewhere = app.test_client()
    used_elsewhere.code = codes[1]
    other_form, _ = reviewed(used_elsewhere, cycle, ids, 0)
    assert confirmation(used_elsewhere, used_elsewhere.post(f"/cycles/{cycle.slug}/ballot", data=other_form))
    client.code = codes[0]
    form, _ = reviewed(client, cycle, ids, 1, 3)
    first = confirmation(client, client.post(f"/cycles/{cycle.slug}/ballot", data=form))
    changed = {k: v for k, v in form.items() if not k.startswith("rank-")} | ranks(ids, 0, 2)
    for answer in (client.post(f"/cycles/{cycle.slug}/ballot", data=changed), client.get(f"/cycles/{cycle.slug}/ballot")):
        assert tracker_in(answer.get_data(as_text=True)) is None
    # The next person on this browser enters a code that was already used, with the same ranks.
    token = enter_code(client, cycle, codes[1])
    again = form | {"csrf_token": token}
    client.post(f"/cycles/{cycle.slug}/ballot", data=again | {"step": "review"})
    assert client.post(f"/cycles/{cycle.slug}/ballot", data=again).status_code == 409
    assert tracker_in(client.post(f"/cycles/{cycle.slug}/ballot", data=again).get_data(as_text=True)) is None
    assert count(Ballot) == 2
    # Half an hour later a reload no longer shows the tracker.
    late = app.test_client()
    late.code = codes[2]
    late_form, _ = reviewed(late, cycle, ids, 2)
    assert confirmation(late, late.post(f"/cycles/{cycle.slug}/ballot", data=late_form))
    with late.session_transaction() as session:
        session["voted"] = session["voted"] | {"at": session["voted"]["at"] - 31 * 60}
    assert tracker_in(late.post(f"/cycles/{cycle.slug}/ballot", data=late_form).get_data(as_text=True)) is None
    assert first


def test_a_different_ballot_with_the_same_credential_is_refused(app, client, voting_cycle, codes):
    """Same session and credential, another ranking: 'already voted', no tracker, nothing stored."""
    cycle, ids = voting_cycle
    client.code = codes[0]
    form, cookie = reviewed(client, cycle, ids, 2, 0)
    assert confirmation(client, client.post(f"/cycles/{cycle.slug}/ballot", data=form))
    other = app.test_client()
    other.set_cookie("session", cookie)
    changed = {k: v for k, v in form.items() if not k.startswith("rank-")} | ranks(ids, 0, 2)
    response = other.post(f"/cycles/{cycle.slug}/ballot", data=changed)
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "already voted" in page and tracker_in(page) is None
    assert count(Ballot) == 1
    assert db.session.scalars(select(Ballot.ranking)).one() == [ids[2], ids[0]]


def test_the_same_ranking_from_another_session_is_refused(app, client, voting_cycle, codes):
    """Someone else holding the same (used) code and casting the same ranking learns no tracker."""
    cycle, ids = voting_cycle
    client.code = codes[0]
    form, _ = reviewed(client, cycle, ids, 1)
    assert confirmation(client, client.post(f"/cycles/{cycle.slug}/ballot", data=form))
    stranger = app.test_client()
    stranger.code = codes[0]
    form2, _ = reviewed(stranger, cycle, ids, 1)
    response = stranger.post(f"/cycles/{cycle.slug}/ballot", data=form2)
    assert response.status_code == 409 and tracker_in(response.get_data(as_text=True)) is None
    assert count(Ballot) == 1


def test_a_new_code_in_the_same_session_gets_its_own_tracker(app, client, voting_cycle, codes):
    """A reviewed tracker belongs to one credential: the next code casts with a fresh one."""
    cycle, ids = voting_cycle
    client.code = codes[0]
    form, _ = reviewed(client, cycle, ids, 3)
    with client.session_transaction() as s:
        pending = s["ballot_pending"]
    first = confirmation(client, client.post(f"/cycles/{cycle.slug}/ballot", data=form))
    token = enter_code(client, cycle, codes[1])
    with client.session_transaction() as s:  # the first code's pending tracker is still around
        s["ballot_pending"] = pending
    second = confirmation(client, client.post(f"/cycles/{cycle.slug}/ballot", data=form | {"csrf_token": token}))
    assert first and second and first != second
    assert count(Ballot) == 2


def test_parallel_double_taps_all_show_the_one_tracker(app, client, voting_cycle, codes):
    """Eight taps at once with the reviewed cookie: one ballot stored, every tap sees its tracker."""
    cycle, ids = voting_cycle
    client.code = codes[0]
    form, cookie = reviewed(client, cycle, ids, 0, 1)
    barrier, trackers, url = threading.Barrier(8), [], f"/cycles/{cycle.slug}/ballot"

    def tap():
        voter = app.test_client()
        voter.set_cookie("session", cookie)
        barrier.wait()
        try:
            response = voter.post(url, data=form)
            trackers.append(tracker_in(response.get_data(as_text=True))
                            if response.status_code == 200 else f"status {response.status_code}")
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            trackers.append(repr(error))

    threads = [threading.Thread(target=tap) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(trackers) == 8 and len(set(trackers)) == 1 and trackers[0].count("-") == 2, trackers
    assert count(Ballot) == 1 and count(VoteMark) == 1


def test_voting_pages_are_not_stored(client, voting_cycle, codes):
    """Every voting page says Cache-Control: no-store (shared phones, library computers)."""
    cycle, ids = voting_cycle
    client.code = codes[0]
    form, _ = reviewed(client, cycle, ids, 0)
    for response in (client.get(f"/cycles/{cycle.slug}/vote"), client.get(f"/cycles/{cycle.slug}/ballot"),
                     client.post(f"/cycles/{cycle.slug}/ballot", data=form | {"step": "review"}),
                     client.post(f"/cycles/{cycle.slug}/ballot", data=form),
                     client.get(f"/cycles/{cycle.slug}/tracker")):
        assert response.headers["Cache-Control"] == "no-store", response.request.path


def test_no_js_error_keeps_every_rank_and_marks_the_fields(client, voting_cycle, codes):
    """A duplicate rank comes back with all three choices still selected and the two clashing
    fields marked invalid and linked from the error."""
    cycle, ids = voting_cycle
    token = enter_code(client, cycle, codes[0])
    form = {"csrf_token": token, "step": "review", f"rank-{ids[0]}": "1", f"rank-{ids[1]}": "2",
            f"rank-{ids[3]}": "2"}
    response = client.post(f"/cycles/{cycle.slug}/ballot", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "more than one project" in page

    def select(pid):
        return page.split(f'<select name="rank-{pid}"')[1].split("</select>")[0]
    assert '<option value="1" selected>' in select(ids[0])
    assert '<option value="2" selected>' in select(ids[1]) and 'aria-invalid="true"' in select(ids[1])
    assert '<option value="2" selected>' in select(ids[3]) and 'aria-invalid="true"' in select(ids[3])
    assert "selected" not in select(ids[2]) and "aria-invalid" not in select(ids[0])
    assert f'href="#rank-{ids[1]}"' in page and f'href="#rank-{ids[3]}"' in page


def test_no_js_gap_keeps_every_rank(client, voting_cycle, codes):
    """A gap (1, 3) keeps both choices and points at the rank after the gap."""
    cycle, ids = voting_cycle
    token = enter_code(client, cycle, codes[0])
    response = client.post(f"/cycles/{cycle.slug}/ballot", data={
        "csrf_token": token, "step": "review", f"rank-{ids[2]}": "1", f"rank-{ids[0]}": "3"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "skip number 2" in page
    assert '<option value="1" selected>' in page.split(f'name="rank-{ids[2]}"')[1].split("</select>")[0]
    assert '<option value="3" selected>' in page.split(f'name="rank-{ids[0]}"')[1].split("</select>")[0]
    assert f'href="#rank-{ids[0]}"' in page and f'href="#rank-{ids[2]}"' not in page


def test_budget_meter_is_rendered_on_review_and_ballot(client, voting_cycle, codes):
    """Ranking the $30,000 and $10,000 projects shows $40,000 of the budget, with and without errors."""
    cycle, ids = voting_cycle
    token = enter_code(client, cycle, codes[0])
    budget = f"{cycle.budget_cents // 100:,}"
    review = client.post(f"/cycles/{cycle.slug}/ballot",
                         data={"csrf_token": token, "step": "review", **ranks(ids, 2, 0)}).get_data(as_text=True)
    assert f"You ranked projects costing $40,000.00 of ${budget}.00." in review
    edit = client.post(f"/cycles/{cycle.slug}/ballot",
                       data={"csrf_token": token, "step": "edit", **ranks(ids, 2, 0)}).get_data(as_text=True)
    assert f"You ranked projects costing $40,000.00 of ${budget}.00." in edit


def test_tracker_lookup_accepts_spaces_dashes_and_lower_case(app, client, voting_cycle, codes, make):
    """'abcd efgh jkmn', 'ABCDEFGHJKMN' and 'abcd–efgh–jkmn' all find the tracker; a code with an O
    (never in the alphabet) gets a clear message instead of a guess."""
    cycle, ids = voting_cycle
    client.code = codes[0]
    form, _ = reviewed(client, cycle, ids, 1)
    tracker = confirmation(client, client.post(f"/cycles/{cycle.slug}/ballot", data=form))
    advance(actor=make.user(Role.staff), cycle=cycle, current=Phase.voting)
    db.session.commit()
    bare = tracker.replace("-", "")
    for typed in (bare.lower(), bare, f" {bare[:4]} {bare[4:8]} {bare[8:]} ".lower(), tracker.replace("-", "\u2013")):
        page = client.get(f"/cycles/{cycle.slug}/tracker", query_string={"tracker": typed}).get_data(as_text=True)
        assert "sealed box of 1 ballot" in page, typed
    page = client.get(f"/cycles/{cycle.slug}/tracker", query_string={"tracker": "O" + bare[1:]}).get_data(as_text=True)
    assert "never uses" in page and "sealed box of" not in page and "did not find" not in page
