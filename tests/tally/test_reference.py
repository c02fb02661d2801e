"""The fast rules equal the short exact reference implementations on random small elections.

Elections: 2 to 6 projects, 1 to 14 voters, costs 0 to 30 (zero-cost projects included),
budgets 10 to 60, ballots of 1 to 3 ranks, drawn so that equal points, equal rho and
equal votes (ties) are common. Every rule is compared with and without a tie policy, on
winners in selection order and on the round data the explanations use.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pb.tally import Election, Project, Result, count
from pb.tally.reference import RefOutcome
from pb.tally.reference.ear import reference_ear
from pb.tally.reference.equal_shares import reference_equal_shares
from pb.tally.reference.greedy import reference_greedy
from pb.tally.reference.rcv import UNIT, reference_rcv
from pb.tally.ties import TieBreak

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
K = 3
TIES = st.sampled_from([None, "lexicographic", "min-cost,lexicographic",
                        "max-votes,max-higher-ranks,lexicographic"])


@st.composite
def elections(draw: Any, kind: str = "ordinal", zero_costs: bool = True) -> Election:
    """A small random election; costs from a short list so that ties are frequent."""
    n = draw(st.integers(2, 6))
    ids = [f"p{i}" for i in range(1, n + 1)]
    low = 0 if zero_costs else 1
    costs = draw(st.lists(st.sampled_from([c for c in (0, 5, 10, 12, 20, 30) if c >= low]),
                          min_size=n, max_size=n))
    budget = draw(st.integers(10, 60))
    ballots = draw(st.lists(
        st.permutations(ids).flatmap(lambda p: st.integers(1, min(K, len(p))).map(
            lambda k, p=p: tuple(p[:k]))),
        min_size=1, max_size=14))
    projects = tuple(Project(i, c) for i, c in zip(ids, costs, strict=True))
    return Election(projects, budget, tuple(ballots), max_ranks=K, kind=kind)  # type: ignore[arg-type]


def _events(result: Result, keep: tuple[str, ...]) -> list[tuple[str, dict[str, Any]]]:
    """The fast rule's events as (key, chosen params), for comparison."""
    return [(e.key, {k: e.params[k] for k in keep if k in e.params})
            for r in result.rounds for e in r.events]


def _ref_events(ref: RefOutcome, keep: tuple[str, ...]) -> list[tuple[str, dict[str, Any]]]:
    return [(key, {k: params[k] for k in keep if k in params}) for key, params in ref.events]


def _same_outcome(result: Result, ref: RefOutcome) -> None:
    assert list(result.winners) == list(ref.winners)
    assert result.complete == ref.complete
    assert [tuple(sorted(t.candidates)) for t in result.ties] == [tuple(sorted(t)) for t in ref.ties]
    if ref.complete:
        assert result.spent == ref.spent


@SETTINGS
@given(elections(), st.sampled_from(["fixed", "length", "borda"]), TIES)
def test_greedy_equals_reference(election: Election, points: str, tie: str | None) -> None:
    """Greedy: same winners, order, ties and funded/skipped/no-points rounds as the reference."""
    result = count(election, rule="greedy", points=points, tie_break=tie)
    ref = reference_greedy(election, variant=points, tie=TieBreak.parse(tie))
    _same_outcome(result, ref)
    keep = ("project", "projects", "cost", "points", "left")
    assert _events(result, keep) == _ref_events(ref, keep)


@SETTINGS
@given(elections(), st.sampled_from(["fixed", "length", "borda"]), TIES,
       st.sampled_from([("none", False), ("add1", False), ("none", True), ("add1", True)]))
def test_equal_shares_equals_reference(election: Election, points: str, tie: str | None,
                                       variant: tuple[str, bool]) -> None:
    """MES (with add1 and fill): same winners, rho of every funded project and add1 steps."""
    completion, fill = variant
    result = count(election, rule="equal-shares", points=points, tie_break=tie,
                   completion=completion, fill=fill)
    ref = reference_equal_shares(election, variant=points, completion=completion, fill=fill,
                                 tie=TieBreak.parse(tie))
    _same_outcome(result, ref)
    if ref.complete:
        keep = ("project", "cost", "rho", "steps", "voter_budget")
        ours = [e for e in _events(result, keep) if e[0] != "tally.mes.fill.skipped_too_expensive"]
        theirs = [e for e in _ref_events(ref, keep)
                  if e[0] != "tally.mes.fill.skipped_too_expensive"]
        assert ours == theirs


@SETTINGS
@given(elections(kind="approval"), TIES, st.booleans())
def test_equal_shares_approval_equals_reference(election: Election, tie: str | None,
                                                add1: bool) -> None:
    """MES with cost utilities on approval ballots equals the reference."""
    completion = "add1" if add1 else "none"
    result = count(election, rule="equal-shares", tie_break=tie, completion=completion)
    ref = reference_equal_shares(election, completion=completion, tie=TieBreak.parse(tie))
    _same_outcome(result, ref)


@SETTINGS
@given(elections(), TIES)
def test_ear_equals_reference(election: Election, tie: str | None) -> None:
    """PB-EAR (as published): same winners, depth, support and quota of every funded project."""
    result = count(election, rule="ear", tie_break=tie)
    ref = reference_ear(election, tie=TieBreak.parse(tie))
    _same_outcome(result, ref)
    keep = ("project", "depth", "support", "quota", "left")
    assert _events(result, keep) == _ref_events(ref, keep)


def _rcv_rounds(result: Result) -> list[dict[str, Any]]:
    """The fast count's rounds in the reference's shape (units of 10^-4)."""
    out = []
    elected_before: set[str] = set()
    for r in result.rounds:
        tally = dict(r.tally or {})
        threshold = int(Fraction(tally.pop("_threshold")) * UNIT)
        elected = [e.params["candidate"] for e in r.events if e.key == "tally.rcv.elected"]
        out.append({
            "tally": {c: int(Fraction(v) * UNIT) for c, v in tally.items()
                      if c not in elected_before},
            "threshold": threshold,
            "elected": sorted(elected),
            "eliminated": [e.params["candidate"] for e in r.events
                           if e.key == "tally.rcv.eliminated"],
        })
        elected_before |= set(elected)
    return out


@SETTINGS
@given(elections(zero_costs=False), st.sampled_from([None, "lexicographic", "min-cost,lexicographic"]),
       st.integers(1, 3))
def test_irv_and_stv_equal_reference(election: Election, tie: str | None, seats: int) -> None:
    """IRV/STV: same winners and, round by round, tallies, threshold, elected and eliminated."""
    rule = "irv" if seats == 1 else "stv"
    result = count(election, rule=rule, seats=seats, tie_break=tie)
    ref = reference_rcv(election, seats=seats, tie=TieBreak.parse(tie))
    assert sorted(result.winners) == sorted(ref.winners)
    assert result.complete == ref.complete
    expected = [dict(r, elected=sorted(r["elected"])) for r in ref.rounds]
    assert _rcv_rounds(result) == expected
