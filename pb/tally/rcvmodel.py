"""Frozen input of IRV/STV counts with RCTab semantics: ballots with marks per rank, rules.

The names follow the neutral RCTab conformance format (``rules.json``); see
``docs/COUNTING.md`` and ``../shared/conformance/rctab/README.md``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from pb.tally.digest import sha256_of
from pb.tally.errors import TallyError

OVERVOTE = "#overvote"
WRITE_IN = "Undeclared Write-ins"

MODES = (
    "singleWinnerMajority",
    "multiWinnerAllowMultipleWinnersPerRound",
    "multiWinnerAllowOnlyOneWinnerPerRound",
    "bottomsUp",
    "bottomsUpUsingPercentageThreshold",
    "multiPassIrv",
)
TIEBREAK_MODES = ("useCandidateOrder", "random", "generatePermutation",
                  "previousRoundCountsThenRandom",
                  "none", "policyOrder")  # the last two: PB contests counted with our policies
# keys of rules.json that only describe how the ballots were converted (already applied) or
# that RCTab 2.x no longer reads; accepted and ignored. Any other unknown key is an error.
INFO_KEYS = frozenset({"cvr_format", "max_rankings", "minimum_vote_threshold", "threshold_basis",
                       "write_in_cvr_labels", "blank_rank_is_write_in", "explicit_overvote_marker",
                       "random_seed_used"})
OVERVOTE_RULES = ("exhaustImmediately", "alwaysSkipToNextRank", "exhaustIfMultipleContinuing")


@dataclass(frozen=True)
class RcvBallot:
    """Marks per rank (`()` = skipped rank, 2+ names = overvote) and how many CVRs share them."""

    ranks: tuple[tuple[str, ...], ...]
    count: int = 1


@dataclass(frozen=True)
class RcvRules:
    """RCTab tabulation options (keys of the conformance ``rules.json``)."""

    candidates: tuple[tuple[str, bool], ...]  # (name, excluded) in config order
    seats: int = 1
    winner_election_mode: str = "singleWinnerMajority"
    tiebreak_mode: str = "useCandidateOrder"
    random_seed: int | None = None
    overvote_rule: str = "exhaustImmediately"
    max_skipped_ranks: int | None = None  # None = unlimited
    exhaust_on_duplicate_candidate: bool = False
    batch_elimination: bool = False
    cutoff_elimination: bool = False
    continue_until_two_candidates_remain: bool = False
    first_round_determines_threshold: bool = False
    stop_tabulation_early_after_round: int | None = None
    decimal_places: int = 4
    non_integer_threshold: bool = False
    hare_quota: bool = False
    bottoms_up_percentage_threshold: Decimal | None = None
    write_in_label: str | None = None
    case: str = ""

    def __post_init__(self) -> None:
        if self.winner_election_mode not in MODES:
            raise TallyError(f"unsupported winner election mode {self.winner_election_mode!r}")
        if self.tiebreak_mode not in TIEBREAK_MODES:
            raise TallyError(f"unsupported tie-break mode {self.tiebreak_mode!r} "
                             "(interactive modes cannot run unattended)")
        if self.overvote_rule not in OVERVOTE_RULES:
            raise TallyError(f"unknown overvote rule {self.overvote_rule!r}")
        if self.decimal_places < 0 or self.decimal_places > 20:
            raise TallyError("decimal_places must be between 0 and 20")

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RcvRules:
        """Build from a parsed conformance ``rules.json``.

        A key that is neither an option nor a documented informational key raises
        TallyError naming it: a misspelt option must not be silently ignored.
        """
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known - INFO_KEYS)
        if unknown:
            raise TallyError(f"unknown key{'s' if len(unknown) > 1 else ''} in rules: "
                             f"{', '.join(repr(k) for k in unknown)}")
        kwargs: dict[str, Any] = {k: v for k, v in data.items() if k in known}
        kwargs["candidates"] = tuple((c["name"], bool(c.get("excluded", False)))
                                     for c in data["candidates"])
        skipped = data.get("max_skipped_ranks", "unlimited")
        kwargs["max_skipped_ranks"] = None if skipped == "unlimited" else int(skipped)
        pct = data.get("bottoms_up_percentage_threshold")
        kwargs["bottoms_up_percentage_threshold"] = None if pct is None else Decimal(str(pct))
        return cls(**kwargs)

    def to_json(self) -> dict[str, Any]:
        """Back to the ``rules.json`` vocabulary (for digests and exports)."""
        out: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        out["candidates"] = [{"name": n, "excluded": e} for n, e in self.candidates]
        out["max_skipped_ranks"] = ("unlimited" if self.max_skipped_ranks is None
                                    else self.max_skipped_ranks)
        pct = self.bottoms_up_percentage_threshold
        out["bottoms_up_percentage_threshold"] = None if pct is None else str(pct)
        return out


@dataclass(frozen=True)
class RcvContest:
    """An IRV/STV contest: the rules and the ballots (lines with counts)."""

    rules: RcvRules
    ballots: tuple[RcvBallot, ...]
    candidate_costs: Mapping[str, int] = field(default_factory=dict)
    # Fast path for contests made from a PB profile: one mark per rank, no blanks or
    # overvotes; rows of project indices into `matrix_names` (-1 pads) with voter counts.
    matrix: Any = field(default=None, compare=False, repr=False)
    weights: Any = field(default=None, compare=False, repr=False)
    matrix_names: tuple[str, ...] = ()

    def merged(self) -> RcvContest:
        """Identical ballots counted once (compression), in canonical order."""
        counter: Counter[tuple[tuple[str, ...], ...]] = Counter()
        for b in self.ballots:
            if b.count < 0:
                raise TallyError("a ballot count cannot be negative")
            counter[b.ranks] += b.count
        ballots = tuple(RcvBallot(r, n) for r, n in sorted(counter.items()) if n > 0)
        return RcvContest(self.rules, ballots, self.candidate_costs)

    def digest(self) -> str:
        """SHA-256 of the canonical contest (rules and merged ballots)."""
        merged = self.merged()
        return sha256_of({
            "rules": merged.rules.to_json(),
            "ballots": [[[list(r) for r in b.ranks], b.count] for b in merged.ballots],
        })
