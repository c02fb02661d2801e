"""What every rule receives and returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from pb.tally.compress import Profile
from pb.tally.errors import TallyError
from pb.tally.model import Round, Tie
from pb.tally.ties import TieBreak

PointsVariant = Literal["fixed", "length", "borda"]
POINTS = ("fixed", "length", "borda")
COMPLETIONS = ("none", "add1")
COMPATS = ("none", "pabutools")


@dataclass(frozen=True)
class Options:
    """Keyword options of `count`, validated once; each rule reads what it needs."""

    points: PointsVariant = "fixed"
    completion: str = "none"
    increment: int | None = None
    fill: bool = False
    seats: int = 1
    tie: TieBreak = field(default_factory=TieBreak)
    compat: str = "none"  # ear: "pabutools" reproduces pabutools 1.2.3's truncations

    def public(self, rule: str) -> dict[str, Any]:
        """The options that matter for `rule`, as recorded in the result."""
        if rule == "greedy":
            return {"points": self.points}
        if rule == "equal-shares":
            return {"points": self.points, "completion": self.completion,
                    "increment": self.increment, "fill": self.fill}
        if rule == "ear":
            return {"compat": self.compat} if self.compat != "none" else {}
        return {"seats": self.seats}


@dataclass(frozen=True)
class Outcome:
    """A rule's answer before `count` adds digests and bookkeeping."""

    winners: tuple[str, ...]
    totals: Mapping[str, Any]
    spent: int
    rounds: tuple[Round, ...]
    ties: tuple[Tie, ...] = ()
    complete: bool = True
    budget: int | None = None
    rcv_summaries: tuple[Mapping[str, Any], ...] = ()
    options: Mapping[str, Any] | None = None


def point_matrix(profile: Profile, variant: str) -> np.ndarray:
    """Points each distinct ballot gives at each rank, as a (D, K) int64 array (0 = empty).

    `fixed`: rank r earns K - r + 1 whatever the ballot length; `length`: on a ballot of
    length L rank r earns L - r + 1 (pabulib `score`, Kraków); `borda`: L - r (pabutools'
    Borda satisfaction, the last rank earns 0). Approval ballots earn 1 per approval.
    """
    m = profile.matrix
    mask = m >= 0
    k = m.shape[1]
    ranks = np.arange(k, dtype=np.int64)[None, :]
    if profile.kind == "approval":
        pts = np.ones(m.shape, dtype=np.int64)
    elif variant == "fixed":
        pts = np.broadcast_to(k - ranks, m.shape).astype(np.int64)
    elif variant in ("length", "borda"):
        lengths = mask.sum(axis=1, dtype=np.int64)[:, None]
        pts = lengths - ranks - (1 if variant == "borda" else 0)
    else:
        raise TallyError(f"unknown points variant {variant!r}; choose from {', '.join(POINTS)}")
    return np.where(mask, pts, 0)


def project_totals(profile: Profile, pts: np.ndarray) -> list[int]:
    """Sum of weighted points per project (exact integers)."""
    m = profile.matrix
    mask = m >= 0
    w = profile.weight_array[:, None] * pts
    n = len(profile.projects)
    if profile.num_voters * max(int(pts.max(initial=0)), 1) < 2**52:
        # float64 bincount is exact below 2**53 and much faster than np.add.at on int64
        sums = np.bincount(m[mask], weights=w[mask].astype(np.float64), minlength=n)
        return [int(s) for s in sums]
    totals = [0] * n
    for p, v in zip(m[mask].tolist(), w[mask].tolist(), strict=True):
        totals[p] += v
    return totals
