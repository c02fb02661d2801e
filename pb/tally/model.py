"""Frozen data in and out of the counting engine.

Money is always an integer number of minor units. A `.pb` file with decimal costs is read
with every cost and the budget scaled by one common power of ten (`money_decimals`), so
`cost=150050, money_decimals=2` means 1500.50 in the file's currency.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from pb.tally.errors import TallyError

Ranking = tuple[str, ...]
"""One ballot: distinct project ids, most preferred first (for approval: any order)."""

BallotKind = Literal["ordinal", "approval"]


@dataclass(frozen=True, slots=True)
class Project:
    """A project (or a candidate in IRV/STV): string id, integer cost in minor units."""

    id: str
    cost: int
    name: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise TallyError(f"project id must be a non-empty string, got {self.id!r}")
        if isinstance(self.cost, bool) or not isinstance(self.cost, int):
            raise TallyError(f"project {self.id}: cost must be an integer, got {self.cost!r}")
        if self.cost < 0:
            raise TallyError(f"project {self.id}: negative cost {self.cost}")


def _freeze_ballots(ballots: Iterable[Sequence[str]]) -> tuple[Ranking, ...]:
    if isinstance(ballots, tuple) and all(type(b) is tuple for b in ballots):
        return ballots
    return tuple(b if type(b) is tuple else tuple(b) for b in ballots)


@dataclass(frozen=True)
class Election:
    """A PB election: projects, budget, ballots and the most ranks a ballot may use (K).

    `ballots` holds one ranking per voter (or per group of identical voters when `counts`
    gives their multiplicities). Ballots are validated when the count compresses them, so
    building an Election with a million ballots stays cheap.
    """

    projects: tuple[Project, ...]
    budget: int
    ballots: tuple[Ranking, ...]
    max_ranks: int | None = None
    counts: tuple[int, ...] | None = None
    kind: BallotKind = "ordinal"
    money_decimals: int = 0
    meta: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "projects", tuple(self.projects))
        object.__setattr__(self, "ballots", _freeze_ballots(self.ballots))
        if self.counts is not None:
            object.__setattr__(self, "counts", tuple(self.counts))
            if len(self.counts) != len(self.ballots):
                raise TallyError("counts must give one multiplicity per ballot")
            if any(isinstance(c, bool) or not isinstance(c, int) or c < 0 for c in self.counts):
                raise TallyError("ballot counts must be non-negative integers")
        object.__setattr__(self, "meta", tuple(tuple(kv) for kv in self.meta))
        if isinstance(self.budget, bool) or not isinstance(self.budget, int):
            raise TallyError(f"budget must be an integer number of minor units, got {self.budget!r}")
        if self.budget <= 0:
            raise TallyError(f"budget must be positive, got {self.budget}")
        if self.kind not in ("ordinal", "approval"):
            raise TallyError(f"unknown ballot kind {self.kind!r}")
        if self.max_ranks is not None and self.max_ranks < 1:
            raise TallyError(f"maximum ranks must be at least 1, got {self.max_ranks}")
        seen: set[str] = set()
        for p in self.projects:
            if p.id in seen:
                raise TallyError(f"duplicate project id {p.id!r}")
            seen.add(p.id)

    @property
    def num_voters(self) -> int:
        """Number of voters, counting each ballot's multiplicity."""
        return len(self.ballots) if self.counts is None else sum(self.counts)


@dataclass(frozen=True)
class Event:
    """One thing that happened in a round: a message key plus its parameters.

    Pages translate `key` (e.g. ``tally.greedy.funded``) and fill in `params`, so the
    engine never produces display text.
    """

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Round:
    """One round of a count: what happened and, for IRV/STV, the round's tallies."""

    number: int
    events: tuple[Event, ...]
    tally: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Tie:
    """A tie that decided the outcome; `resolved_by` is None when no policy could break it."""

    candidates: tuple[str, ...]
    context: str
    resolved_by: str | None
    chosen: str | None


def _jsonable(value: Any) -> Any:
    """Turn engine values into plain JSON (exact numbers become decimal strings)."""
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else str(value)
    if isinstance(value, float):
        return value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {k: _jsonable(getattr(value, k)) for k in value.__dataclass_fields__}
    raise TypeError(f"cannot export {type(value).__name__} to JSON")


@dataclass(frozen=True)
class Result:
    """The outcome of a count.

    `winners` are funded (or elected) ids in selection order; `totals` the points (PB rules)
    or last tallies (IRV/STV) per project; `rounds` say what happened and why; `tie` records
    the first decisive tie (resolved, or unresolved, in which case counting stopped there).
    """

    rule: str
    options: Mapping[str, Any]
    winners: tuple[str, ...]
    totals: Mapping[str, Any]
    spent: int
    budget: int
    rounds: tuple[Round, ...]
    tie_break: str
    ties: tuple[Tie, ...] = ()
    complete: bool = True
    money_decimals: int = 0
    input_sha256: str = ""
    rcv_summaries: tuple[Mapping[str, Any], ...] = ()

    @property
    def left(self) -> int:
        """Money not spent, in minor units."""
        return self.budget - self.spent

    @property
    def unresolved_tie(self) -> Tie | None:
        """The tie that stopped the count, if any."""
        for tie in self.ties:
            if tie.resolved_by is None:
                return tie
        return None

    def body(self) -> dict[str, Any]:
        """The canonical result as plain JSON data (without its own digest)."""
        return {
            "rule": self.rule,
            "options": _jsonable(self.options),
            "tie_break": self.tie_break,
            "winners": list(self.winners),
            "spent": self.spent,
            "budget": self.budget,
            "left": self.left,
            "money_decimals": self.money_decimals,
            "complete": self.complete,
            "ties": _jsonable(self.ties),
            "totals": _jsonable(self.totals),
            "rounds": _jsonable(self.rounds),
            "input_sha256": self.input_sha256,
        }

    @property
    def result_sha256(self) -> str:
        """SHA-256 of the canonical JSON of `body()`."""
        from pb.tally.digest import sha256_of  # digest imports this module: avoid the cycle

        return sha256_of(self.body())

    def to_dict(self) -> dict[str, Any]:
        """The JSON export: `body()` plus the result digest and any RCTab-format summaries."""
        data = self.body()
        data["result_sha256"] = self.result_sha256
        if self.rcv_summaries:
            data["rctab_summaries"] = _jsonable(self.rcv_summaries)
        return data

    def to_json(self, indent: int | None = 2) -> str:
        """The JSON export as text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)
