"""PB-EAR: the expanding approvals rule for ranked PB ballots (Aziz & Lee, AAAI 2021).

Each voter starts with weight 1. At depth j every voter approves their top j projects. A
project c whose approvers' total weight reaches its quota n * cost(c) / budget is funded,
and the weight of its current approvers is reduced in proportion so that together they
lose exactly the quota; otherwise j grows, until j exceeds the longest ballot. Only
projects that still fit the remaining budget are considered; j is not reset after a
project is funded. All arithmetic is exact. The same rule, voter by voter, is
`pb.tally.reference.ear.reference_ear`; this one works on distinct ballots with weights.

`compat="pabutools"` reproduces pabutools 1.2.3's `pb_ear` instead, which differs in two
details: support and quota are compared after rounding both to 6 decimal places
(round-half-even), and the reduction factor is int(quota) / int(weight of the approvers),
both truncated to integers, so approvers of a project whose quota is below 1 pay nothing
(docs/COUNTING.md has a worked example). Where several projects reach their quota at once,
pabutools takes an arbitrary one (set iteration order); both variants apply the tie policy
instead, and report the tie without one.
"""

from __future__ import annotations

from fractions import Fraction

from pb.tally.compress import Profile
from pb.tally.errors import TallyError
from pb.tally.model import Event, Round, Tie
from pb.tally.rules.base import Options, Outcome

PRECISION = 6  # pabutools' rounding_precision


def run_ear(profile: Profile, options: Options) -> Outcome:
    """Run PB-EAR on a compressed ordinal profile (`options.compat` picks the variant)."""
    if profile.kind != "ordinal":
        raise TallyError("the ear rule needs ranked (ordinal) ballots")
    ids = profile.ids
    costs = profile.costs
    stats = profile.tie_stats()
    n = profile.num_voters
    budget = profile.budget
    weights = [Fraction(w) for w in profile.weights]
    rankings = profile.rankings
    longest = max((len(r) for r in rankings), default=0)
    left = budget
    funded: list[int] = []
    available = [c for c in range(len(ids)) if costs[c] <= left]
    rounds: list[Round] = []
    ties: list[Tie] = []
    pabutools = options.compat == "pabutools"
    j = 1
    while True:
        available = [c for c in available if costs[c] <= left]
        if not available or n == 0:
            break
        support = [Fraction(0)] * len(ids)
        chosen_set = set(funded)
        for ranking, w in zip(rankings, weights, strict=True):
            for c in ranking[:j]:
                if c not in chosen_set:
                    support[c] += w
        quota = {c: Fraction(n * costs[c], budget) for c in available}
        if pabutools:
            reached = [c for c in available
                       if round(support[c], PRECISION) >= round(quota[c], PRECISION)]
        else:
            reached = [c for c in available if support[c] >= quota[c]]
        if not reached:
            if j > longest:
                break
            j += 1
            continue
        chosen = reached[0]
        if len(reached) > 1:
            names = sorted(ids[c] for c in reached)
            pick, by = options.tie.pick(names, stats)
            ties.append(Tie(tuple(names), f"ear: several projects reach their quota at depth {j}",
                            by, pick))
            if pick is None:
                rounds.append(Round(len(rounds) + 1, (Event("tally.ear.tie_unresolved", {
                    "projects": names, "depth": j}),)))
                return _outcome(profile, funded, rounds, ties, False, budget - left)
            chosen = ids.index(pick)
        funded.append(chosen)
        available.remove(chosen)
        left -= costs[chosen]
        approvers = [i for i, r in enumerate(rankings) if chosen in r[:j]]
        total = sum((weights[i] for i in approvers), Fraction(0))
        if pabutools:
            reduce = Fraction(int(quota[chosen]), int(total)) if int(total) > 0 else Fraction(0)
        else:
            reduce = quota[chosen] / total if total > 0 else Fraction(0)
        for i in approvers:
            weights[i] *= 1 - reduce
        rounds.append(Round(len(rounds) + 1, (Event("tally.ear.funded", {
            "project": ids[chosen], "cost": costs[chosen], "depth": j,
            "support": support[chosen], "quota": quota[chosen], "left": left}),)))
    return _outcome(profile, funded, rounds, ties, True, budget - left)


def _outcome(profile: Profile, funded: list[int], rounds: list[Round], ties: list[Tie],
             complete: bool, spent: int) -> Outcome:
    ids = profile.ids
    votes = dict(zip(ids, profile.votes, strict=True))
    return Outcome(tuple(ids[c] for c in funded), votes, spent, tuple(rounds), tuple(ties),
                   complete)
