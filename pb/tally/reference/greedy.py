"""Greedy PB by points, as in pabulib and the Kraków rule (reference implementation).

Source: the pabulib format description (https://pabulib.org/format): a project's `score`
is the sum over ballots of its points; the classic PB rule funds projects in descending
score, skipping any that no longer fits the remaining budget. Projects without points are
not funded. Projects with equal points are taken in id order, unless their order changes
which of them are funded: then the tie policy picks (or, without one, the count stops).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import permutations
from typing import Any

from pb.tally.model import Election
from pb.tally.reference import RefOutcome, points, tie_stats, voters
from pb.tally.ties import TieBreak, TieStats


def reference_greedy(election: Election, *, variant: str = "fixed",
                     tie: TieBreak | None = None) -> RefOutcome:
    """Fund projects in descending points while each fits (exact integers, plain loops)."""
    tie = tie or TieBreak()
    total = {p.id: 0 for p in election.projects}
    for ballot in voters(election):
        for p, pts in points(election, ballot, variant).items():
            total[p] += pts
    ranked = [p for p in sorted(total) if total[p] > 0]
    order = sorted(ranked, key=lambda p: -total[p])
    outcome = fund_by_key(order, total, election.budget, tie, tie_stats(election),
                          "tally.greedy", lambda p: {"points": total[p]})
    if not outcome.complete:
        return outcome
    events = list(outcome.events)
    events += [("tally.greedy.no_points", {"project": p}) for p in sorted(total)
               if total[p] == 0]
    return RefOutcome(outcome.winners, outcome.spent, tuple(events), outcome.ties)


def _funded(order: tuple[str, ...], costs: dict[str, int], left: int) -> frozenset[str]:
    """Projects funded when `order` is walked greedily with `left` to spend."""
    out = set()
    for p in order:
        if costs[p] <= left:
            out.add(p)
            left -= costs[p]
    return frozenset(out)


def fund_by_key(order: list[str], key: dict[str, Any], budget: int, tie: TieBreak,
                stats: TieStats, prefix: str,
                describe: Callable[[str], dict[str, Any]]) -> RefOutcome:
    """Walk `order` (sorted by descending `key`), funding each project that fits.

    Among projects with equal `key`, the order is asked of the tie policy only when trying
    every order of those that still fit shows that the order changes what is funded.
    """
    costs = dict(stats.costs)
    left = budget
    winners: list[str] = []
    events: list[tuple[str, dict[str, Any]]] = []
    ties: list[tuple[str, ...]] = []
    pending = list(order)
    while pending:
        group = [p for p in pending if key[p] == key[pending[0]]]
        fitting = [p for p in group if costs[p] <= left]
        outcomes = {_funded(perm, costs, left) for perm in permutations(fitting)}
        if len(outcomes) <= 1:
            chosen = fitting[0] if fitting else group[0]
        else:
            ties.append(tuple(sorted(fitting)))
            chosen, _ = tie.pick(fitting, stats)
            if chosen is None:
                events.append((f"{prefix}.tie_unresolved", {"projects": sorted(fitting),
                                                            "left": left,
                                                            **describe(fitting[0])}))
                return RefOutcome(tuple(winners), budget - left, tuple(events), tuple(ties),
                                  complete=False)
        pending.remove(chosen)
        if costs[chosen] <= left:
            left -= costs[chosen]
            winners.append(chosen)
            events.append((f"{prefix}.funded", {"project": chosen, "cost": costs[chosen],
                                                "left": left, **describe(chosen)}))
        else:
            events.append((f"{prefix}.skipped_too_expensive", {
                "project": chosen, "cost": costs[chosen], "left": left, **describe(chosen)}))
    return RefOutcome(tuple(winners), budget - left, tuple(events), tuple(ties))
