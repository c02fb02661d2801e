"""Tie-break policies.

A policy is a chain of criteria tried in order, written with commas, e.g.
``max-votes,min-cost,lexicographic``:

- ``lexicographic``: the smaller project id as a string comes first ("10" before "9"),
  as pabutools does it;
- ``min-cost``: the cheaper project comes first (``max-cost``: the dearer one);
- ``max-votes``: the project ranked (or approved) by more voters comes first;
- ``max-higher-ranks``: the project ranked first by more voters comes first; if equal,
  the one ranked second by more voters, and so on (reproduces both decisive ties in the
  official Kraków selections);
- ``seeded-lottery``: a lottery fixed by a published seed: projects come in the order of
  SHA-256("<seed>:<id>") as hex, which anyone can recompute without our code.

``none`` (or an empty chain) never resolves a tie. When the criteria leave a decisive tie
unbroken the count stops and reports it: a tie is never resolved silently.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from pb.tally.errors import TallyError

CRITERIA = ("lexicographic", "min-cost", "max-cost", "max-votes", "max-higher-ranks", "seeded-lottery")


@dataclass(frozen=True)
class TieStats:
    """What criteria look at: cost, votes and votes per rank position of each project."""

    costs: Mapping[str, int]
    votes: Mapping[str, int]
    rank_counts: Mapping[str, tuple[int, ...]] = field(default_factory=dict)


def lottery_key(seed: int | None, project: str) -> str:
    """The published lottery order: SHA-256 of "<seed>:<id>" as hex, smaller first."""
    return hashlib.sha256(f"{seed}:{project}".encode()).hexdigest()


@dataclass(frozen=True)
class TieBreak:
    """A parsed tie-break policy: the chain of criteria and the lottery seed, if any."""

    criteria: tuple[str, ...] = ()
    seed: int | None = None

    @classmethod
    def parse(cls, spec: str | None, seed: int | None = None) -> TieBreak:
        """Parse ``"max-votes,min-cost"`` (or None / ``"none"``) into a TieBreak."""
        if spec is None or spec.strip() in ("", "none"):
            return cls((), seed)
        criteria = tuple(part.strip() for part in spec.split(","))
        for c in criteria:
            if c not in CRITERIA:
                raise TallyError(f"unknown tie-break {c!r}; choose from {', '.join(CRITERIA)}")
        if "seeded-lottery" in criteria and seed is None:
            raise TallyError("the seeded-lottery tie-break needs a published seed")
        return cls(criteria, seed)

    @property
    def label(self) -> str:
        """How the policy is reported in results."""
        if not self.criteria:
            return "none"
        text = ",".join(self.criteria)
        if "seeded-lottery" in self.criteria:
            text += f" (seed {self.seed})"
        return text

    def _keys(self, stats: TieStats) -> list[tuple[str, Callable[[str], object]]]:
        keys: list[tuple[str, Callable[[str], object]]] = []
        costs, votes, ranks = stats.costs, stats.votes, stats.rank_counts
        for c in self.criteria:
            if c == "lexicographic":
                keys.append((c, lambda p: p))
            elif c == "min-cost":
                keys.append((c, lambda p: costs[p]))
            elif c == "max-cost":
                keys.append((c, lambda p: -costs[p]))
            elif c == "max-votes":
                keys.append((c, lambda p: -votes[p]))
            elif c == "max-higher-ranks":
                keys.append((c, lambda p: tuple(-n for n in ranks.get(p, ()))))
            else:
                keys.append((c, lambda p, seed=self.seed: lottery_key(seed, p)))
        return keys

    def pick(
        self,
        tied: Sequence[str],
        stats: TieStats,
        *,
        last: bool = False,
    ) -> tuple[str | None, str | None]:
        """Pick the first (or, with `last`, the last) of `tied` in policy order.

        Returns (chosen id, criterion that decided) or (None, None) when unresolved.
        """
        remaining = sorted(set(tied))
        if len(remaining) == 1:
            return remaining[0], None
        for name, key in self._keys(stats):
            values = {p: key(p) for p in remaining}
            best = max(values.values()) if last else min(values.values())
            remaining = [p for p in remaining if values[p] == best]
            if len(remaining) == 1:
                return remaining[0], name
        return None, None

    def order(self, tied: Sequence[str], stats: TieStats) -> list[str] | None:
        """All of `tied` in policy order, or None if the policy cannot order them fully."""
        rest = list(tied)
        out: list[str] = []
        while rest:
            chosen, _ = self.pick(rest, stats)
            if chosen is None:
                return None
            out.append(chosen)
            rest.remove(chosen)
        return out
