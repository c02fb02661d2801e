"""Property tests: budget safety, ballot-order invariance, and agreement with pabutools and
pyrankvote on random small instances (the reference libraries run inside the test)."""

from __future__ import annotations

import builtins
import random
from typing import Any

import pabutools.rules.pb_ear as pabutools_ear
import pyrankvote
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pabutools.election import (
    ApprovalBallot,
    ApprovalProfile,
    Cost_Sat,
    Instance,
    OrdinalBallot,
    OrdinalProfile,
)
from pabutools.election import Project as PabuProject
from pabutools.election.satisfaction.positionalsatisfaction import PositionalSatisfaction
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

from pb.tally import Election, Project, count

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
K = 3


@st.composite
def elections(draw: Any, kind: str = "ordinal") -> Election:
    n = draw(st.integers(2, 6))
    ids = [f"p{i}" for i in range(1, n + 1)]
    costs = draw(st.lists(st.integers(1, 30), min_size=n, max_size=n))
    budget = draw(st.integers(10, 60))
    ballots = draw(st.lists(
        st.permutations(ids).flatmap(lambda p: st.integers(1, min(K, len(p))).map(
            lambda k, p=p: tuple(p[:k]))),
        min_size=1, max_size=14))
    projects = tuple(Project(i, c) for i, c in zip(ids, costs, strict=True))
    return Election(projects, budget, tuple(ballots), max_ranks=K, kind=kind)  # type: ignore[arg-type]


def _points_sat(points: str, times_cost: bool) -> type[PositionalSatisfaction]:
    """A pabutools satisfaction giving our points (optionally times the cost)."""

    def func(ballot: Any, project: Any) -> int:
        if project not in ballot:
            return 0
        base = K if points == "fixed" else len(ballot)
        value = base - ballot.position(project)
        return value * project.cost if times_cost else value

    class PointsSat(PositionalSatisfaction):
        def __init__(self, instance: Any, profile: Any, ballot: Any) -> None:
            super().__init__(instance, profile, ballot, func, sum)

    return PointsSat


def _pabutools(election: Election, keep: set[str] | None = None) -> tuple[Instance, list]:
    projects = {p.id: PabuProject(p.id, p.cost) for p in election.projects
                if keep is None or p.id in keep}
    instance = Instance(projects.values(), budget_limit=election.budget)
    return instance, [[projects[x] for x in b] for b in election.ballots]


def _ordinal_profile(instance: Instance, ballots: list) -> OrdinalProfile:
    return OrdinalProfile([OrdinalBallot(b) for b in ballots], instance=instance)


@SETTINGS
@given(elections(), st.sampled_from(["greedy", "equal-shares", "ear"]),
       st.sampled_from(["fixed", "length"]))
def test_spending_never_exceeds_the_budget(election: Election, rule: str, points: str) -> None:
    """Every rule spends at most the budget, and spent + left = budget."""
    result = count(election, rule=rule, points=points, tie_break="lexicographic",
                   completion="add1" if rule == "equal-shares" else "none",
                   fill=rule == "equal-shares")
    assert result.spent <= result.budget
    assert result.spent + result.left == result.budget
    costs = {p.id: p.cost for p in election.projects}
    assert sum(costs[w] for w in result.winners) == result.spent
    lefts = [e.params["left"] for r in result.rounds for e in r.events
             if e.key.endswith("funded") and "left" in e.params]
    if lefts:
        assert lefts[-1] == result.left


@SETTINGS
@given(elections(), st.sampled_from(["greedy", "equal-shares", "ear", "irv"]), st.randoms())
def test_ballot_order_does_not_change_the_outcome(election: Election, rule: str,
                                                  rnd: random.Random) -> None:
    """Shuffling the ballots gives the same result digest."""
    shuffled = list(election.ballots)
    rnd.shuffle(shuffled)
    other = Election(election.projects, election.budget, tuple(shuffled), election.max_ranks)
    first = count(election, rule=rule, tie_break="lexicographic")
    second = count(other, rule=rule, tie_break="lexicographic")
    assert first.input_sha256 == second.input_sha256
    assert first.result_sha256 == second.result_sha256


@SETTINGS
@given(elections(), st.sampled_from(["fixed", "length"]))
def test_greedy_equals_pabutools_greedy(election: Election, points: str) -> None:
    """Greedy by points equals pabutools' greedy welfare with satisfaction points x cost."""
    ranked = {x for b in election.ballots for x in b}
    instance, ballots = _pabutools(election, keep=ranked)
    profile = _ordinal_profile(instance, ballots)
    expected = greedy_utilitarian_welfare(instance, profile, sat_class=_points_sat(points, True))
    result = count(election, rule="greedy", points=points, tie_break="lexicographic")
    assert list(result.winners) == [p.name for p in expected]


@SETTINGS
@given(elections(), st.sampled_from(["fixed", "length"]))
def test_equal_shares_equals_pabutools_ordinal(election: Election, points: str) -> None:
    """MES with point utilities equals pabutools' exact MES, in selection order."""
    result = count(election, rule="equal-shares", points=points)
    assume(result.complete and not result.ties)
    instance, ballots = _pabutools(election)
    profile = _ordinal_profile(instance, ballots)
    expected = method_of_equal_shares(instance, profile, sat_class=_points_sat(points, False))
    assert list(result.winners) == [p.name for p in expected]


@SETTINGS
@given(elections(kind="approval"), st.booleans())
def test_equal_shares_equals_pabutools_approval(election: Election, add1: bool) -> None:
    """MES with cost utilities (and add1) equals pabutools on approval ballots."""
    result = count(election, rule="equal-shares", completion="add1" if add1 else "none")
    assume(result.complete and not result.ties)
    instance, ballots = _pabutools(election)
    profile = ApprovalProfile([ApprovalBallot(b) for b in ballots], instance=instance)
    expected = method_of_equal_shares(instance, profile, sat_class=Cost_Sat,
                                      voter_budget_increment=1 if add1 else None)
    assert sorted(result.winners) == sorted(p.name for p in expected)


def _lexicographic_next(iterator: Any, *default: Any) -> Any:
    """pb_ear takes `next(iter(set))`, an arbitrary member; pin it to the smallest id."""
    if type(iterator).__name__ == "set_iterator":
        return min(iterator.__reduce__()[1][0], key=lambda p: p.name)
    return builtins.next(iterator, *default)


def run_pb_ear(election: Election) -> list[str]:
    """pabutools' pb_ear with its arbitrary choice pinned to lexicographic order."""
    instance, ballots = _pabutools(election)
    profile = _ordinal_profile(instance, ballots).as_multiprofile()
    pabutools_ear.next = _lexicographic_next  # type: ignore[attr-defined]
    try:
        return [p.name for p in pabutools_ear.pb_ear(instance, profile)]
    except ZeroDivisionError:
        # pabutools divides by int(weight of the approvers), which can truncate to 0
        assume(False)
        raise
    finally:
        del pabutools_ear.next  # type: ignore[attr-defined]


@SETTINGS
@given(elections())
def test_ear_equals_pabutools_pb_ear(election: Election) -> None:
    """PB-EAR with compat="pabutools" equals pabutools' pb_ear, in selection order."""
    result = count(election, rule="ear", tie_break="lexicographic", compat="pabutools")
    assert list(result.winners) == run_pb_ear(election)


@SETTINGS
@given(elections())
def test_ear_without_ties_needs_no_policy(election: Election) -> None:
    """Where no two projects reach their quota together, no tie policy is needed."""
    plain = count(election, rule="ear", compat="pabutools")
    assume(plain.complete and not plain.ties)
    assert list(plain.winners) == run_pb_ear(election)


@SETTINGS
@given(elections())
def test_irv_winner_equals_pyrankvote(election: Election) -> None:
    """The IRV winner equals pyrankvote's when no tie arises."""
    ranked = sorted({x for b in election.ballots for x in b})
    assume(len(ranked) >= 2)
    projects = tuple(p for p in election.projects if p.id in ranked)
    only = Election(projects, election.budget, election.ballots, election.max_ranks)
    result = count(only, rule="irv")
    assume(result.complete and not result.ties)
    candidates = {p: pyrankvote.Candidate(p) for p in ranked}
    ballots = [pyrankvote.Ballot(ranked_candidates=[candidates[x] for x in b])
               for b in election.ballots]
    expected = pyrankvote.instant_runoff_voting(list(candidates.values()), ballots)
    assert list(result.winners) == [c.name for c in expected.get_winners()]


@SETTINGS
@given(elections())
def test_irv_fast_path_equals_the_general_path(election: Election) -> None:
    """The vectorised IRV for PB profiles reports exactly what the general RCTab path does."""
    from dataclasses import replace

    from pb.tally import compress
    from pb.tally.rcvmodel import RcvBallot
    from pb.tally.rules.base import Options
    from pb.tally.rules.rcv import contest_from_profile, run_irv
    from pb.tally.ties import TieBreak

    profile = compress(election)
    options = Options(tie=TieBreak.parse("lexicographic"))
    fast = contest_from_profile(profile, options)
    ids = profile.ids
    general = replace(fast, matrix=None, weights=None, matrix_names=(), ballots=tuple(
        RcvBallot(tuple((ids[i],) for i in r), w)
        for r, w in zip(profile.rankings, profile.weights, strict=True)))
    assert run_irv(fast, options).rcv_summaries == run_irv(general, options).rcv_summaries
