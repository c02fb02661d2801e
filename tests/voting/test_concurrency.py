"""Exactly once under fire: parallel submissions with one credential store one ballot."""

import threading

from sqlalchemy import func, select

from pb.db import db
from pb.voting.models import Ballot, VoteMark
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
