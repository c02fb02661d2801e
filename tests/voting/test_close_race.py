"""Closing voting while residents are casting: no ballot is lost, none lands after the seal."""

import threading

from sqlalchemy import func, select

from pb.db import db
from pb.enums import CodeStatus, Phase, Role
from pb.voting.models import AccessCode, Ballot, BoxSeal, Tracker
from pb.voting.services import issue_access_codes
from tests.conftest import csrf_from, login, open_voting
from tests.voting.conftest import enter_code, ranks, tracker_in

REPETITIONS = 20
VOTERS = 60


def _cycle_in_voting(make, staff):
    cycle = make.cycle(phase=Phase.development, actor=staff)
    ids = [make.project(cycle, cost_cents=(i + 1) * 10_000_00, title=f"Project {i}").id for i in range(4)]
    codes = issue_access_codes(actor=staff, cycle=cycle, count=VOTERS, batch="race")
    open_voting(cycle, actor=staff)
    db.session.commit()
    return cycle, ids, codes


def _race(app, cycle, ids, codes, staff_cookie, staff_token):
    """Every voter casts at once; staff press "close" once half of them have an answer."""
    slug, voters = cycle.slug, []
    for i, code in enumerate(codes):
        client = app.test_client()
        token = enter_code(client, cycle, code)
        voters.append((client, {"csrf_token": token, "step": "cast", **ranks(ids, i % 4, (i + 1) % 4)}))
    barrier, half, lock = threading.Barrier(VOTERS + 1), threading.Event(), threading.Lock()
    shown, refused, answered = [], [], []

    def vote(client, form, code):
        barrier.wait()
        response = client.post(f"/cycles/{slug}/ballot", data=form)
        tracker = tracker_in(response.get_data(as_text=True)) if response.status_code == 200 else None
        if tracker:
            with lock:
                shown.append(tracker)
        else:
            assert response.status_code in (302, 400), response.status_code
            with lock:
                refused.append(code)
        with lock:
            answered.append(code)
            if len(answered) == VOTERS // 2:
                half.set()

    def close():
        staff = app.test_client()
        staff.set_cookie("session", staff_cookie)
        barrier.wait()
        half.wait(timeout=60)
        response = staff.post(f"/admin/cycles/{slug}/advance",
                              data={"csrf_token": staff_token, "current": "voting"})
        assert response.status_code == 302, response.status_code

    errors = []

    def guarded(target, *args):
        try:
            target(*args)
        except Exception as error:  # noqa: BLE001 (reported below, so a thread cannot fail silently)
            errors.append(repr(error))

    threads = [threading.Thread(target=guarded, args=(vote, c, f, code))
               for (c, f), code in zip(voters, codes, strict=True)]
    threads.append(threading.Thread(target=guarded, args=(close,)))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert errors == []
    return shown, refused


def test_closing_during_a_rush_loses_no_ballot(app, client, make, runner):
    """20 times: 60 voters cast while staff close midway; every tracker shown is in the
    sealed box, nothing is stored after the seal, refused voters keep an unused code, and
    the audit chain verifies."""
    staff = make.user(Role.staff)
    login(client, staff)
    staff_token = csrf_from(client.get("/admin/").get_data(as_text=True))
    staff_cookie = client.get_cookie("session").value
    for repetition in range(REPETITIONS):
        cycle, ids, codes = _cycle_in_voting(make, staff)
        shown, refused = _race(app, cycle, ids, codes, staff_cookie, staff_token)
        db.session.expire_all()
        assert db.session.get(type(cycle), cycle.id).phase == Phase.tallying, repetition
        seal = db.session.get(BoxSeal, cycle.id)
        in_box = set(db.session.scalars(select(Tracker.code).filter_by(cycle_id=cycle.id)))
        stored = db.session.scalar(select(func.count()).select_from(Ballot).filter_by(cycle_id=cycle.id))
        assert set(shown) <= in_box, repetition
        assert seal.ballot_count == stored == len(in_box) == len(shown), (repetition, seal.ballot_count, stored, len(in_box), len(shown), len(refused))
        assert len(shown) + len(refused) == VOTERS
        unused = set(db.session.scalars(select(AccessCode.id).filter_by(
            cycle_id=cycle.id, status=CodeStatus.unused)))
        assert len(unused) == len(refused), repetition
    result = runner.invoke(args=["pb", "audit", "verify"])
    assert result.exit_code == 0 and "OK" in result.output, result.output
