"""The Method of Equal Shares with the add-one completion (reference implementation).

Source: D. Peters and P. Skowron, "Proportionality and the limits of welfarism" (EC 2020)
and D. Peters, G. Pierczyński and P. Skowron, "Proportional participatory budgeting with
additive utilities" (NeurIPS 2021), as explained on https://equalshares.net:

1. Each of the n voters gets an equal share budget/n of the budget.
2. A project c is affordable if its supporters (utility > 0) together have at least its
   cost. Its price per unit of utility rho is the smallest rho such that every supporter
   i paying min(budget_i, rho * u_i(c)) covers the cost.
3. Fund the affordable project with the smallest rho, charge its supporters, repeat until
   no project is affordable.

Utilities: the ballot's points for ranked ballots, the project's cost for approval ballots
("cost utilities", as on equalshares.net). Projects that cost nothing and someone supports
are funded first (as pabutools). Completion `add1` (equalshares.net, pabutools'
`voter_budget_increment`): rerun with every voter's share raised by `increment` until the
outcome is exhaustive (nothing left fits) or would overspend, keeping the last outcome
that did not. `fill`: then fund the rest greedily by total utility per unit of cost.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from pb.tally.model import Election
from pb.tally.reference import RefOutcome, points, tie_stats, voters
from pb.tally.reference.greedy import fund_by_key
from pb.tally.ties import TieBreak, TieStats


def utilities(election: Election, variant: str) -> list[dict[str, int]]:
    """Each voter's utility for each project they support (positive values only)."""
    costs = {p.id: p.cost for p in election.projects}
    out = []
    for ballot in voters(election):
        pts = points(election, ballot, variant)
        if election.kind == "approval":
            pts = {p: costs[p] for p in pts}
        out.append({p: u for p, u in pts.items() if u > 0})
    return out


def price(cost: int, supporters: list[tuple[Fraction, int]]) -> Fraction | None:
    """The smallest rho with sum of min(budget, rho * utility) = cost; None if unaffordable.

    `supporters` are (budget, utility) pairs. Walk them by budget/utility: a voter who
    cannot pay rho * utility pays everything they have, the rest share what remains.
    """
    if sum((b for b, _ in supporters), Fraction(0)) < cost:
        return None
    paid = Fraction(0)
    utility_left = sum(u for _, u in supporters)
    for b, u in sorted(supporters, key=lambda s: s[0] / s[1]):
        rho = (cost - paid) / utility_left
        if rho * u <= b:
            return rho
        paid += b
        utility_left -= u
    return None


def mes(election: Election, utils: list[dict[str, int]], share: Fraction,
        candidates: list[str], tie: TieBreak, stats: TieStats) -> RefOutcome:
    """One run of MES with every voter starting at `share`."""
    costs = dict(stats.costs)
    budget = [share] * len(utils)
    winners: list[str] = []
    events: list[tuple[str, dict[str, Any]]] = []
    ties: list[tuple[str, ...]] = []
    spent = 0
    while True:
        rhos = {}
        for c in candidates:
            if c in winners:
                continue
            backers = [(budget[i], u[c]) for i, u in enumerate(utils) if c in u]
            rho = price(costs[c], backers)
            if rho is not None:
                rhos[c] = rho
        if not rhos:
            break
        low = min(rhos.values())
        tied = sorted(c for c, r in rhos.items() if r == low)
        chosen = tied[0]
        if len(tied) > 1:
            ties.append(tuple(tied))
            chosen, _ = tie.pick(tied, stats)
            if chosen is None:
                return RefOutcome(tuple(winners), spent, tuple(events), tuple(ties), False)
        for i, u in enumerate(utils):
            if chosen in u:
                budget[i] -= min(budget[i], low * u[chosen])
        winners.append(chosen)
        spent += costs[chosen]
        events.append(("tally.mes.funded", {"project": chosen, "cost": costs[chosen],
                                            "rho": low}))
    return RefOutcome(tuple(winners), spent, tuple(events), tuple(ties))


def reference_equal_shares(election: Election, *, variant: str = "fixed",
                           completion: str = "none", increment: int | None = None,
                           fill: bool = False, tie: TieBreak | None = None) -> RefOutcome:
    """MES with optional add-one completion and greedy fill, in exact Fractions."""
    tie = tie or TieBreak()
    stats = tie_stats(election)
    costs = dict(stats.costs)
    utils = utilities(election, variant)
    n = len(utils)
    if n == 0:
        return RefOutcome((), 0)
    supported = sorted({p for u in utils for p in u})
    free = [p for p in supported if costs[p] == 0]
    candidates = [p for p in supported if costs[p] > 0]
    share = Fraction(election.budget, n)
    run = mes(election, utils, share, candidates, tie, stats)
    steps = 0
    step = increment or 10**election.money_decimals
    if completion == "add1" and run.complete:
        while any(costs[c] <= election.budget - run.spent
                  for c in candidates if c not in run.winners):
            nxt = mes(election, utils, share + (steps + 1) * step, candidates, tie, stats)
            if nxt.spent > election.budget:
                break
            run, steps = nxt, steps + 1
            if not run.complete:
                break
    events = [("tally.mes.funded_free", {"project": p, "cost": 0}) for p in free]
    events += run.events
    if completion == "add1":
        events.append(("tally.mes.add1", {"steps": steps, "voter_budget": share + steps * step}))
    winners = free + list(run.winners)
    ties = list(run.ties)
    if fill and run.complete:
        rest = [c for c in candidates if c not in run.winners]
        per_cost = {c: Fraction(sum(u.get(c, 0) for u in utils), costs[c]) for c in rest}
        order = sorted(sorted(rest), key=lambda c: -per_cost[c])
        more = fund_by_key(order, per_cost, election.budget - run.spent, tie, stats,
                           "tally.mes.fill", lambda c: {"utility_per_cost": per_cost[c]})
        return RefOutcome(tuple(winners) + more.winners, run.spent + more.spent,
                          tuple(events) + more.events, tuple(ties) + more.ties, more.complete)
    return RefOutcome(tuple(winners), run.spent, tuple(events), tuple(ties), run.complete)
