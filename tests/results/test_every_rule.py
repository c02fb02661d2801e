"""Every counting rule a cycle can choose is counted, published and explained by the web app."""

import pytest
from sqlalchemy import select

from pb.db import db
from pb.results.models import TallySnapshot
from tests.results.conftest import staff_client

# The 23 ballots of tests/results/conftest.py over projects costing $10k, $20k, $30k and $40k;
# the budget is cut to $60k so that each rule has to choose.
RULES = ["greedy", "equal-shares", "ear"]


@pytest.mark.parametrize("rule", RULES)
def test_each_rule_counts_and_publishes_through_the_app(app, cast_cycle, make, rule):
    """Staff can close, count, publish and show a result under each ballot rule, with a seed."""
    cycle, ids = cast_cycle
    cycle.rule, cycle.budget_cents, cycle.tie_break, cycle.tie_seed = rule, 60_000_00, "seeded-lottery", "20270405"
    db.session.commit()
    first, token = staff_client(app, make)
    assert first.post(f"/admin/cycles/{cycle.slug}/advance",
                      data={"csrf_token": token, "current": "voting"}).status_code == 302
    counted = first.post(f"/admin/cycles/{cycle.slug}/count", data={"csrf_token": token}, follow_redirects=True)
    assert "were counted" in counted.get_data(as_text=True), counted.get_data(as_text=True)[-3000:]
    snapshot = db.session.scalars(select(TallySnapshot)).one()
    assert snapshot.rule == rule
    second, token2 = staff_client(app, make)
    assert second.post(f"/admin/count/{snapshot.id}/publish", data={"csrf_token": token2}).status_code == 302
    page = first.get(f"/cycles/{cycle.slug}/results")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    winners = snapshot.result["winners"]
    assert winners and all(f"Project {ids.index(int(w))}" in text for w in winners)
    spent = sum((i + 1) * 10_000_00 for i, pid in enumerate(ids) if str(pid) in winners)
    assert spent <= 60_000_00  # no rule spends more than the budget
