"""Compression: identical ballots are counted once, with a weight, before any rule runs.

Every rule in this package is symmetric in voters with identical ballots (they always hold
the same budget, weight or position), so working on distinct ballots with weights gives
exactly the same outcome as working ballot by ballot, only faster.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain
from typing import Any

import numpy as np

from pb.tally.digest import canonical_json
from pb.tally.errors import TallyError
from pb.tally.model import BallotKind, Election, Project
from pb.tally.ties import TieStats


@dataclass(frozen=True, eq=False)
class Profile:
    """Distinct ballots as tuples of project indices, with their weights.

    Projects are indexed in id order (string order), so sorting index tuples sorts ballots
    by their ids as well: `rankings` is in canonical order.
    """

    projects: tuple[Project, ...]
    budget: int
    kind: BallotKind
    max_ranks: int
    matrix: np.ndarray  # (D, K) int32 project indices per rank, padded with -1
    weight_array: np.ndarray  # (D,) int64 number of voters with each distinct ballot
    money_decimals: int = 0
    index: Mapping[str, int] = field(default_factory=dict)

    @cached_property
    def rankings(self) -> tuple[tuple[int, ...], ...]:
        """Distinct ballots as tuples of project indices, in canonical order."""
        return tuple(tuple(x for x in row if x >= 0) for row in self.matrix.tolist())

    @cached_property
    def weights(self) -> tuple[int, ...]:
        """Weights aligned with `rankings`."""
        return tuple(self.weight_array.tolist())

    @property
    def num_voters(self) -> int:
        """Number of voters (sum of weights), empty ballots included."""
        return int(self.weight_array.sum())

    @property
    def ids(self) -> tuple[str, ...]:
        """Project ids in index order."""
        return tuple(p.id for p in self.projects)

    @property
    def costs(self) -> tuple[int, ...]:
        """Project costs in index order."""
        return tuple(p.cost for p in self.projects)

    @cached_property
    def votes(self) -> tuple[int, ...]:
        """Voters who ranked (or approved) each project, in index order."""
        return tuple(sum(by_rank) for by_rank in self.rank_counts)  # a ballot names it once

    @cached_property
    def rank_counts(self) -> tuple[tuple[int, ...], ...]:
        """Per project, the voters who put it at rank 1, 2, ..., K."""
        m = self.matrix
        k = m.shape[1]
        # one weighted count over (project + 1, rank) cells: padding (-1) lands in row 0
        cells = ((m + 1) * k + np.arange(k)).ravel()
        sums = np.bincount(cells, weights=np.repeat(self.weight_array, k).astype(np.float64),
                           minlength=(len(self.projects) + 1) * k)
        return tuple(map(tuple, np.rint(sums).astype(np.int64).reshape(-1, k)[1:].tolist()))

    def tie_stats(self) -> TieStats:
        """Costs, votes and rank counts by id, for tie-break policies."""
        ids = self.ids
        return TieStats(
            costs=dict(zip(ids, self.costs, strict=True)),
            votes=dict(zip(ids, self.votes, strict=True)),
            rank_counts=dict(zip(ids, self.rank_counts, strict=True)),
        )

    def header(self) -> dict[str, Any]:
        """Canonical JSON part of the input: everything except the ballot arrays."""
        return {
            "projects": [[p.id, p.cost, p.name] for p in self.projects],
            "budget": self.budget,
            "money_decimals": self.money_decimals,
            "kind": self.kind,
            "max_ranks": self.max_ranks,
            "ballots": {"distinct": int(len(self.matrix)), "width": int(self.matrix.shape[1]),
                        "encoding": "int32le project index per rank (-1 pad), rows sorted; "
                                    "then int64le voter count per row"},
        }

    def digest(self) -> str:
        """SHA-256 of the canonical input: header JSON, newline, ballot matrix, weights.

        Project indices refer to the header's project list (sorted by id), rows are in
        canonical order, so the digest does not depend on ballot or project order.
        """
        h = hashlib.sha256(canonical_json(self.header()))
        h.update(b"\n")
        h.update(self.matrix.astype("<i4").tobytes())
        h.update(self.weight_array.astype("<i8").tobytes())
        return h.hexdigest()


def _count(election: Election) -> Counter[tuple[str, ...]]:
    if election.counts is None:
        return Counter(election.ballots)
    counter: Counter[tuple[str, ...]] = Counter()
    for ballot, n in zip(election.ballots, election.counts, strict=True):
        counter[ballot] += n
    return counter


def compress(election: Election) -> Profile:
    """Count identical ballots once and validate each distinct ballot.

    Raises TallyError for a ballot naming an unknown project, naming a project twice, or
    (ordinal ballots) using more than `max_ranks` ranks. Vectorised with NumPy: the only
    per-ballot Python work is hashing the ballots once in a Counter.
    """
    return compress_counts(election.projects, election.budget, election.kind,
                           election.max_ranks, election.money_decimals, _count(election))


def compress_counts(projects: tuple[Project, ...] | list[Project], budget: int,
                    kind: BallotKind, max_ranks: int | None, money_decimals: int,
                    counter: Mapping[tuple[str, ...], int]) -> Profile:
    """Build the Profile from distinct ballots and their voter counts (see `compress`).

    The `.pb` reader calls this directly with the counts it gathered from the file, so a
    million ballots never become a million tuples; `compress` gives it an Election's.
    """
    projects = tuple(sorted(projects, key=lambda p: p.id))
    index = {p.id: i for i, p in enumerate(projects)}
    keys = [b for b, w in counter.items() if w > 0]
    weights = np.array([counter[b] for b in keys], dtype=np.int64)
    lengths = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys))
    longest = int(lengths.max(initial=0))
    k = max_ranks if max_ranks is not None else longest
    if kind == "ordinal" and longest > k:
        bad = next(b for b in keys if len(b) > k)
        raise TallyError(f"ballot {_show(bad)} ranks {len(bad)} projects, more than K = {k}")
    flat_ids = list(chain.from_iterable(keys))
    try:
        flat = np.fromiter(map(index.__getitem__, flat_ids), dtype=np.int32, count=len(flat_ids))
    except KeyError as exc:
        bad = next(b for b in keys if exc.args[0] in b)
        raise TallyError(f"ballot {_show(bad)} names unknown project {exc.args[0]!r}") from None
    width = max(k, longest, 1)
    matrix = np.full((len(keys), width), -1, dtype=np.int32)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1])) if len(keys) else lengths
    rows = np.repeat(np.arange(len(keys)), lengths)
    cols = np.arange(len(flat)) - np.repeat(starts, lengths)
    matrix[rows, cols] = flat
    dup = duplicate_row(matrix)
    if dup is not None:
        ballot = keys[dup]
        twice = next(x for x in ballot if ballot.count(x) > 1)
        raise TallyError(f"ballot {_show(ballot)} names project {twice!r} more than once")
    return profile_from_matrix(projects, budget, kind, max(k, longest), matrix, weights,
                               money_decimals)


def duplicate_row(matrix: np.ndarray) -> int | None:
    """The first row of `matrix` naming a project twice, if any."""
    if matrix.shape[1] <= 8:  # few ranks: compare every two ranks (faster than sorting rows)
        ranks = np.ascontiguousarray(matrix.T)
        twice = np.zeros(len(matrix), dtype=bool)
        for a, first in enumerate(ranks):
            for second in ranks[a + 1:]:
                twice |= (first == second) & (first >= 0)
        dup_rows = np.flatnonzero(twice)
    else:
        ordered = np.sort(np.where(matrix < 0, np.iinfo(np.int32).max, matrix), axis=1)
        dup_rows = np.nonzero(((ordered[:, 1:] == ordered[:, :-1])
                               & (ordered[:, 1:] != np.iinfo(np.int32).max)).any(axis=1))[0]
    return int(dup_rows[0]) if len(dup_rows) else None


def distinct_rows(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of an index matrix (-1 padded), in canonical order, and how many
    times each occurs: identical rankings become (ranking, count) pairs."""
    base = int(matrix.max(initial=-1)) + 2
    keys = _row_keys(matrix, base)
    if keys is None:  # rows too wide for one integer each: sort the rows themselves
        ordered = matrix[_canonical_order(matrix)]
        starts = _run_starts(np.any(ordered[1:] != ordered[:-1], axis=1), len(ordered))
        return ordered[starts], np.diff(np.append(starts, len(ordered)))
    keys = np.sort(keys)  # (np.unique would do the same, but its first call costs 6 ms)
    starts = _run_starts(keys[1:] != keys[:-1], len(keys))
    counts = np.diff(np.append(starts, len(keys)))
    keys = keys[starts]
    rows = np.empty((len(keys), matrix.shape[1]), dtype=np.int32)
    for c in reversed(range(matrix.shape[1])):
        keys, digit = np.divmod(keys, base)
        rows[:, c] = digit - 1
    return rows, counts


def _run_starts(changes: np.ndarray, n: int) -> np.ndarray:
    """Where each run of equal items starts in a sorted array of n items, given which
    neighbours differ (changes[i]: item i + 1 is not item i)."""
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.concatenate(([True], changes)))


def _row_keys(matrix: np.ndarray, base: int) -> np.ndarray | None:
    """Each row as one integer with digits value + 1 in `base`, first column most
    significant, so integer order is canonical row order; None if that overflows 63 bits."""
    if base ** matrix.shape[1] >= 2**63:
        return None
    keys = np.zeros(len(matrix), dtype=np.int64)
    for column in matrix.T:
        keys = keys * base + (column + 1)
    return keys


def _canonical_order(matrix: np.ndarray) -> np.ndarray:
    """Row indices in canonical order: lexicographic, -1 padding first (like tuples)."""
    keys = _row_keys(matrix, int(matrix.max(initial=-1)) + 2)
    if keys is not None:
        return np.argsort(keys, kind="stable")
    return np.lexsort(matrix.T[::-1])


def profile_from_matrix(projects: tuple[Project, ...], budget: int, kind: BallotKind,
                        max_ranks: int, matrix: np.ndarray, weights: np.ndarray,
                        money_decimals: int, canonical: bool = False) -> Profile:
    """The canonical Profile of distinct, valid ballot rows (project indices, -1 padded).

    `projects` are sorted by id and the indices refer to that order. Approval rows are
    sorted and equal sets merged; rows are put in canonical (lexicographic) order, unless
    `canonical` says that ranked rows already are (as `distinct_rows` gives them).
    """
    if kind == "approval":
        # order carries no meaning in an approval ballot: sort, then merge equal sets
        big = np.iinfo(np.int32).max
        ordered = np.sort(np.where(matrix < 0, big, matrix), axis=1)
        matrix = np.where(ordered == big, -1, ordered).astype(np.int32)
        matrix, inverse = np.unique(matrix, axis=0, return_inverse=True)
        weights = np.bincount(inverse.ravel(), weights=weights.astype(np.float64),
                              minlength=len(matrix)).round().astype(np.int64)
    order = slice(None) if canonical and kind != "approval" else _canonical_order(matrix)
    return Profile(
        projects=projects,
        budget=budget,
        kind=kind,
        max_ranks=max_ranks,
        matrix=np.ascontiguousarray(matrix[order]),
        weight_array=np.ascontiguousarray(weights[order]),
        money_decimals=money_decimals,
        index={p.id: i for i, p in enumerate(projects)},
    )


def _show(ballot: tuple[str, ...]) -> str:
    return "[" + ", ".join(ballot) + "]"
