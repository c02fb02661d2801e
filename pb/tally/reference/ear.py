"""PB-EAR, the expanding approvals rule for ranked PB ballots (reference implementation).

Source: H. Aziz and B. E. Lee, "Proportionally representative participatory budgeting with
ordinal preferences", AAAI 2021, Algorithm PB-EAR (for strict rankings, unit weights):

1. Every voter starts with weight 1; n is the total weight; the rank j starts at 1.
2. At rank j a voter approves the projects among their top j (all they ranked, once j
   passes the end of the ballot).
3. If some not-yet-funded project c that still fits the remaining budget is approved by
   voters whose total weight reaches its quota n * cost(c) / budget, fund c (several such:
   the tie policy picks) and lower the weights of c's approvers so that together they
   lose exactly the quota: every approver's weight is multiplied by 1 - quota / (their
   total weight). Keep the same j.
4. Otherwise j grows; stop when nothing fits any more or j passes the longest ballot.

All arithmetic is exact (`Fraction`): no weight or quota is rounded or truncated (pabutools
1.2.3 truncates both to integers; see `compat="pabutools"` in `pb.tally.rules.ear`).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from pb.tally.model import Election
from pb.tally.reference import RefOutcome, tie_stats, voters
from pb.tally.ties import TieBreak


def reference_ear(election: Election, *, tie: TieBreak | None = None) -> RefOutcome:
    """PB-EAR exactly as published, voter by voter."""
    tie = tie or TieBreak()
    stats = tie_stats(election)
    costs = dict(stats.costs)
    ballots = voters(election)
    n = len(ballots)
    weight = [Fraction(1)] * n
    longest = max((len(b) for b in ballots), default=0)
    left = election.budget
    funded: list[str] = []
    events: list[tuple[str, dict[str, Any]]] = []
    ties: list[tuple[str, ...]] = []
    j = 1
    while n:
        fits = [p for p in sorted(costs) if p not in funded and costs[p] <= left]
        if not fits:
            break
        support = {p: sum((weight[i] for i, b in enumerate(ballots) if p in b[:j]), Fraction(0))
                   for p in fits}
        quota = {p: Fraction(n * costs[p], election.budget) for p in fits}
        reached = [p for p in fits if support[p] >= quota[p]]
        if not reached:
            if j > longest:
                break
            j += 1
            continue
        chosen = reached[0]
        if len(reached) > 1:
            ties.append(tuple(reached))
            chosen, _ = tie.pick(reached, stats)
            if chosen is None:
                events.append(("tally.ear.tie_unresolved", {"projects": reached, "depth": j}))
                return RefOutcome(tuple(funded), election.budget - left, tuple(events),
                                  tuple(ties), complete=False)
        funded.append(chosen)
        left -= costs[chosen]
        total = support[chosen]
        for i, b in enumerate(ballots):
            if chosen in b[:j] and total > 0:
                weight[i] *= 1 - quota[chosen] / total
        events.append(("tally.ear.funded", {"project": chosen, "cost": costs[chosen],
                                            "depth": j, "support": total,
                                            "quota": quota[chosen], "left": left}))
    return RefOutcome(tuple(funded), election.budget - left, tuple(events), tuple(ties))
