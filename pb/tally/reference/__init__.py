"""Reference implementations: each rule as its source describes it, short and exact.

One module per rule, written to be read next to the paper or manual it cites: plain loops
over individual voters (no compression, no NumPy), `Fraction` arithmetic, no shortcuts. They
are slow and meant for small elections; the fast rules in `pb.tally.rules` must give the
same outcome, which `tests/tally/test_reference.py` checks on random small elections.

- `greedy.py`: greedy by points, as pabulib's `score` and the Kraków rule.
- `equal_shares.py`: the Method of Equal Shares (Peters & Skowron), add-one completion.
- `ear.py`: PB-EAR (Aziz & Lee, AAAI 2021), as published (no integer truncation).
- `rcv.py`: IRV and STV as RCTab documents them, for one-mark-per-rank ballots.

Every function returns a `RefOutcome`: winners in selection order, money spent, the
events of the count (`(key, params)` with the same keys as the fast rules' rounds), the
ties met and whether the count completed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pb.tally.model import Election
from pb.tally.ties import TieStats


@dataclass(frozen=True)
class RefOutcome:
    """What a reference count returns (comparable with `pb.tally.Result`)."""

    winners: tuple[str, ...]
    spent: int
    events: tuple[tuple[str, dict[str, Any]], ...] = ()
    ties: tuple[tuple[str, ...], ...] = ()
    complete: bool = True
    rounds: tuple[dict[str, Any], ...] = field(default=())


def ranks_limit(election: Election) -> int:
    """K: the most ranks a ballot may use (META max_length, else the longest ballot, at least 1)."""
    longest = max((len(b) for b in election.ballots), default=0)
    return max(election.max_ranks or longest, longest, 1)


def voters(election: Election) -> list[tuple[str, ...]]:
    """One ballot per voter (ballot counts expanded); approval ballots in id order."""
    counts = election.counts or (1,) * len(election.ballots)
    out: list[tuple[str, ...]] = []
    for ballot, n in zip(election.ballots, counts, strict=True):
        if election.kind == "approval":
            ballot = tuple(sorted(ballot))
        out.extend([tuple(ballot)] * n)
    return out


def tie_stats(election: Election) -> TieStats:
    """Cost, number of voters and voters per rank of every project, counted voter by voter."""
    k = ranks_limit(election)
    votes = {p.id: 0 for p in election.projects}
    ranks = {p.id: [0] * k for p in election.projects}
    for ballot in voters(election):
        for r, p in enumerate(ballot):
            votes[p] += 1
            ranks[p][r] += 1
    return TieStats(costs={p.id: p.cost for p in election.projects}, votes=votes,
                    rank_counts={p: tuple(r) for p, r in ranks.items()})


def points(election: Election, ballot: tuple[str, ...], variant: str) -> dict[str, int]:
    """Points one ballot gives each project it names.

    Rank r (from 1) earns K - r + 1 (`fixed`), L - r + 1 (`length`, L = ballot length,
    pabulib's `score`) or L - r (`borda`, pabutools); an approval earns 1.
    """
    if election.kind == "approval":
        return {p: 1 for p in ballot}
    top = {"fixed": ranks_limit(election), "length": len(ballot), "borda": len(ballot) - 1}
    return {p: top[variant] - r for r, p in enumerate(ballot)}
