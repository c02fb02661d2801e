"""Exactly once under fire: parallel submissions with one credential store one ballot."""

import threading

from sqlalchemy import func, select

from pb.db import db
from pb.voting.models import Ballot, VoteMark
from tests.conftest import csrf_from
from tests.voting.conftest import enter_code, ranks

TRIALS = 50
PARALLEL = 20


def submit_together(app, url: str, cookie: str, form: dict) -> list[str]:
    """PARALLEL clients with the same session cookie post the same cast form at once."""
    barrier, outcomes = threading.Barrier(PARALLEL), []

    def submit():
        voter = app.test_client()  # its own connection, same session cookie
        voter.set_cookie("session", cookie)
        barrier.wait()
        response = voter.post(url, data=form)
        text = response.get_data(as_text=True)
        outcomes.append("stored" if response.status_code == 200 and 'id="tracker"' in text
                        else "already" if response.status_code == 409 and "already voted" in text
                        else f"unexpected {response.status_code}")

    threads = [threading.Thread(target=submit) for _ in range(PARALLEL)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return sorted(outcomes)


def test_parallel_casts_with_one_credential(app, client, voting_cycle, codes):
    """20 simultaneous casts per credential, 50 times: one ballot each, the rest 'already voted'."""
    cycle, ids = voting_cycle
    url = f"/cycles/{cycle.slug}/ballot"
    for trial in range(TRIALS):
        token = enter_code(client, cycle, codes[trial])
        form = {"csrf_token": token, "step": "cast", **ranks(ids, trial % 4)}
        outcomes = submit_together(app, url, client.get_cookie("session").value, form)
        assert outcomes == ["already"] * (PARALLEL - 1) + ["stored"], (trial, outcomes)
        client.delete_cookie("session")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == TRIALS
    assert db.session.scalar(select(func.count()).select_from(VoteMark)) == TRIALS


def test_parallel_clicks_on_one_voting_link_never_fail(app, voting_cycle):
    """A double click presses one emailed voting link's button three times at once: each
    answer is the ballot or a clean refusal, never an error."""
    from datetime import date

    from pb.voting.services import register_online

    cycle, _ = voting_cycle
    answers = []
    for trial in range(5):
        db.session.rollback()  # this thread's read of the last trial would keep an old snapshot
        _, token = register_online(cycle=cycle, name=f"Link Person {'k' * (trial + 1)}", area=cycle.areas[0],
                                   birth_date=date(1970, 1, 1 + trial), email=f"link{trial}@example.org",
                                   today=date(2027, 1, 1))
        db.session.commit()
        barrier, outcomes = threading.Barrier(3), []

        def click(token=token, barrier=barrier, outcomes=outcomes, slug=cycle.slug):
            client, path = app.test_client(), f"/cycles/{slug}/vote/verify/{token}"
            form = {"csrf_token": csrf_from(client.get(path).get_data(as_text=True))}
            barrier.wait()
            try:  # everyone presses "Open my ballot" at once
                outcomes.append(client.post(path, data=form).status_code)
            except Exception as error:  # noqa: BLE001  (reported below, with the answers)
                outcomes.append(repr(error))

        threads = [threading.Thread(target=click) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        answers += outcomes
    assert len(answers) == 15 and set(answers) <= {302}, answers
