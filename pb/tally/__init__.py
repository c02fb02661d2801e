"""Counting engine: ranked-ballot PB rules and IRV/STV, web-free (standard library + NumPy).

Entry point::

    from pb.tally import Election, Project, count

    result = count(
        election,                 # Election (PB) or RcvContest (RCTab ballots + rules)
        rule="greedy",            # "greedy" | "equal-shares" | "ear" | "irv" | "stv"
        points="fixed",           # "fixed" (K - r + 1) | "length" (L - r + 1) | "borda" (L - r)
        completion="none",        # equal-shares: "none" | "add1"
        increment=None,           # add1: budget added per voter per step (default: 1 currency unit)
        fill=False,               # equal-shares: greedy fill (utility per cost) afterwards
        seats=1,                  # stv: number of seats (irv is one seat)
        tie_break=None,           # None/"none" | chain of "lexicographic", "min-cost",
                                  #   "max-votes", "seeded-lottery" (comma-separated)
        seed=None,                # the published seed for "seeded-lottery"
        compat="none",            # ear: "pabutools" = pabutools 1.2.3's truncating pb_ear
    )
    result.winners, result.spent, result.budget, result.left, result.totals
    result.rounds                 # Round(number, events=(Event(key, params), ...), tally)
    result.ties, result.complete  # a decisive tie no policy breaks stops the count
    result.to_json()              # JSON export with input and result SHA-256

Every decision is exact (integers and Fractions; floats only to screen, re-checked exactly).
Rules read no clock, do no I/O and use randomness only through an explicit seed.
Bad input raises `TallyError` (a ValueError).
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import TYPE_CHECKING, Any

# Counting multiplies no float matrices, so the worker threads OpenBLAS starts when NumPy
# loads only cost start-up time (about 30 ms of CPU per `python -m pb.tally` on 2 cores).
# Set before NumPy is imported (hence the imports below it); a value set by the user wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# ruff: noqa: E402

from pb.tally.compress import Profile, compress
from pb.tally.errors import TallyError
from pb.tally.model import Election, Event, Project, Result, Round, Tie
from pb.tally.rules import RCV_RULES, RULES
from pb.tally.rules.base import COMPATS, COMPLETIONS, POINTS, Options
from pb.tally.ties import TieBreak

if TYPE_CHECKING:
    from pb.tally.rcvmodel import RcvBallot, RcvContest, RcvRules

__all__ = [
    "RULES",
    "Election",
    "Event",
    "Profile",
    "Project",
    "RcvBallot",
    "RcvContest",
    "RcvRules",
    "Result",
    "Round",
    "TallyError",
    "Tie",
    "compress",
    "count",
]


def __getattr__(name: str) -> Any:
    """RcvBallot, RcvContest and RcvRules, imported when first asked for: a count of a `.pb`
    file (greedy, Equal Shares, EAR) never needs them, and the counter starts faster."""
    if name in ("RcvBallot", "RcvContest", "RcvRules"):
        from pb.tally import rcvmodel  # lazily: see the docstring

        return getattr(rcvmodel, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def make_options(
    *,
    rule: str,
    points: str = "fixed",
    completion: str = "none",
    increment: int | None = None,
    fill: bool = False,
    seats: int = 1,
    tie_break: str | None = None,
    seed: int | None = None,
    compat: str = "none",
) -> Options:
    """Validate keyword options into an Options value."""
    if rule not in RULES:
        raise TallyError(f"unknown rule {rule!r}; choose from {', '.join(RULES)}")
    if points not in POINTS:
        raise TallyError(f"unknown points variant {points!r}; choose from {', '.join(POINTS)}")
    if completion not in COMPLETIONS:
        raise TallyError(f"unknown completion {completion!r}; choose from {', '.join(COMPLETIONS)}")
    if increment is not None and increment <= 0:
        raise TallyError("the add1 increment must be positive")
    if seats < 1:
        raise TallyError("seats must be at least 1")
    if rule == "irv" and seats != 1:
        raise TallyError("irv elects one candidate; use stv for several seats")
    if compat not in COMPATS:
        raise TallyError(f"unknown compat {compat!r}; choose from {', '.join(COMPATS)}")
    if compat != "none" and rule != "ear":
        raise TallyError(f"compat {compat!r} only exists for the ear rule")
    return Options(points=points, completion=completion, increment=increment,  # type: ignore[arg-type]
                   fill=fill, seats=seats, tie=TieBreak.parse(tie_break, seed), compat=compat)


def count(election: Election | RcvContest | Profile, *, rule: str = "greedy",
          **options: object) -> Result:
    """Count `election` with `rule`; see the module docstring for the options.

    `election` may also be an already compressed Profile (as `read_pb_profile` returns).
    """
    opts = make_options(rule=rule, **options)  # type: ignore[arg-type]
    if not isinstance(election, (Election, Profile)):
        from pb.tally.rcvmodel import RcvContest  # only RCTab contests need it (start-up)

        if isinstance(election, RcvContest):
            return _count_contest(election, rule, opts)
    profile = election if isinstance(election, Profile) else compress(election)
    if rule in RCV_RULES:
        from pb.tally.rules.rcv import contest_from_profile  # rules import this module

        outcome = RULES[rule](contest_from_profile(profile, opts), opts)
    else:
        outcome = RULES[rule](profile, opts)
    return _result(rule, opts, outcome, budget=profile.budget,
                   money_decimals=profile.money_decimals, input_sha256=profile.digest())


def _count_contest(election: RcvContest, rule: str, opts: Options) -> Result:
    """Count an RCTab contest (merged ballots, its own tie-break mode) with irv or stv."""
    if rule not in RCV_RULES:
        raise TallyError(f"an RCTab contest can only be counted with irv or stv, not {rule}")
    contest = election.merged()
    outcome = RULES[rule](contest, opts)
    r = contest.rules
    label = f"rctab:{r.tiebreak_mode}"
    if r.tiebreak_mode in ("random", "generatePermutation", "previousRoundCountsThenRandom"):
        label += f" (seed {r.random_seed})"
    result = _result(rule, opts, outcome, budget=0, money_decimals=0,
                     input_sha256=contest.digest())
    return replace(result, tie_break=label)


def _result(rule: str, opts: Options, outcome: object, *, budget: int, money_decimals: int,
            input_sha256: str) -> Result:
    from pb.tally.rules.base import Outcome  # rules import this module: avoid the cycle

    assert isinstance(outcome, Outcome)
    return Result(
        rule=rule,
        options=outcome.options if outcome.options is not None else opts.public(rule),
        winners=outcome.winners,
        totals=outcome.totals,
        spent=outcome.spent,
        budget=outcome.budget if outcome.budget is not None else budget,
        rounds=outcome.rounds,
        tie_break=opts.tie.label,
        ties=outcome.ties,
        complete=outcome.complete,
        money_decimals=money_decimals,
        input_sha256=input_sha256,
        rcv_summaries=outcome.rcv_summaries,
    )
