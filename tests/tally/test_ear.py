"""PB-EAR as published (Aziz & Lee, AAAI 2021) and the pabutools-compatible variant.

The four small cases below are ones where pabutools 1.2.3's truncation of the quota and of
the approvers' weight to integers changes the outcome. Each docstring gives the hand count
of the published rule (quota of c = n * cost(c) / budget; the approvers of a funded project
lose exactly its quota, in proportion to their weights; j is kept after a funding).
"""

from __future__ import annotations

import pytest

from pb.tally import Election, Project, count
from pb.tally.reference.ear import reference_ear

from .conftest import CONFORMANCE, pb_file, require
from .test_properties import run_pb_ear

FILES = ["synthetic_ordinal.pb", "synthetic_ordinal_2.pb"]


def _election(budget: int, costs: dict[str, int], ballots: list[tuple[str, ...]]) -> Election:
    return Election(tuple(Project(p, c) for p, c in costs.items()), budget, tuple(ballots))


# (election, exact winners in order, pabutools winners in order)
CASES = {
    "quota_below_one_pays_nothing": (
        _election(10, {"a": 5, "b": 2, "c": 10}, [("b",), ("b", "a")]),
        ("b",), ("b", "a")),
    "truncated_quota_underpays": (
        _election(15, {"a": 6, "b": 6, "c": 8, "d": 5}, [("a", "d"), ("a", "d"), ("c",)]),
        ("a",), ("a", "d")),
    "truncated_weight_overcharges": (
        _election(15, {"a": 6, "b": 5, "c": 8, "d": 3},
                  [("b",), ("d", "b", "c"), ("d", "a", "c"), ("c", "a", "b"), ("c", "a", "b")]),
        ("d", "a", "b"), ("d", "a")),
    "free_rider_changes_the_project": (
        _election(9, {"a": 7, "b": 2, "c": 3, "d": 2}, [("d", "c", "a"), ("a",)]),
        ("d", "a"), ("d", "c")),
}


def test_quota_below_one_pays_nothing() -> None:
    """n=2, budget 10. j=1: b (cost 2, quota 2*2/10 = 2/5) has support 2: funded. Each voter
    keeps 1 - (2/5)/2 = 4/5. j=2: a (cost 5, quota 1) has support 4/5 (voter 2): not
    funded; c (10) no longer fits; j=3 passes the longest ballot: {b}. pabutools:
    int(2/5) = 0, nobody pays for b, a then has support 1 >= 1 and is funded too."""
    election, exact, _ = CASES["quota_below_one_pays_nothing"]
    assert count(election, rule="ear").winners == exact


def test_truncated_quota_underpays() -> None:
    """n=3, budget 15. j=1: a (quota 3*6/15 = 6/5) has support 2: funded; its two voters
    keep 1 - (6/5)/2 = 2/5 each. c (quota 8/5) has support 1 at every depth; at j=2 d
    (quota 1) has support 4/5: not funded: {a}. pabutools: factor int(6/5)/int(2) = 1/2,
    the voters keep 1/2 each, d reaches 1 >= 1 and is funded."""
    election, exact, _ = CASES["truncated_quota_underpays"]
    assert count(election, rule="ear").winners == exact


def test_truncated_weight_overcharges() -> None:
    """n=5, budget 15; quotas a 2, b 5/3, c 8/3, d 1. j=1: d has support 2: funded, voters 2
    and 3 keep 1/2. j=1 nothing else; j=2: a has 1/2 + 1 + 1 = 5/2 >= 2: funded, voters
    3, 4, 5 keep 1 - 2/(5/2) = 1/5 of their weight (1/10, 1/5, 1/5); c (8) no longer fits
    the 6 left; b has 1 + 1/2 = 3/2 < 5/3. j=3: b has 1 + 1/2 + 1/5 + 1/5 = 19/10 >= 5/3:
    funded: {d, a, b}. pabutools: factor int(2)/int(5/2) = 1, voters 3-5 lose all their
    weight (5/2 instead of 2), b only reaches 3/2 and is not funded."""
    election, exact, _ = CASES["truncated_weight_overcharges"]
    assert count(election, rule="ear").winners == exact


def test_free_rider_changes_the_project() -> None:
    """n=2, budget 9; quotas a 14/9, b 4/9, c 2/3, d 4/9. j=1: d has support 1: funded,
    voter 1 keeps 5/9. j=2: c has 5/9 < 2/3. j=3: a has 1 + 5/9 = 14/9, exactly its
    quota: funded: {d, a}. pabutools: int(4/9) = 0, voter 1 keeps weight 1, so at j=2 c
    has 1 >= 2/3 and is funded, and a (7) no longer fits the 4 left: {d, c}."""
    election, exact, _ = CASES["free_rider_changes_the_project"]
    assert count(election, rule="ear").winners == exact


@pytest.mark.parametrize("name", sorted(CASES))
def test_hand_cases_agree_with_the_reference(name: str) -> None:
    """The Fraction reference gives the same hand-counted outcome, with no tie on the way."""
    election, exact, _ = CASES[name]
    ref = reference_ear(election)
    assert ref.winners == exact and ref.complete and not ref.ties


@pytest.mark.parametrize("name", sorted(CASES))
def test_compat_variant_equals_pabutools(name: str) -> None:
    """`compat="pabutools"` gives pabutools' pb_ear outcome, which differs from the rule."""
    election, exact, truncated = CASES[name]
    result = count(election, rule="ear", compat="pabutools")
    assert result.winners == truncated != exact
    assert run_pb_ear(election) == list(truncated)
    assert result.options == {"compat": "pabutools"}


@pytest.mark.parametrize("name", FILES)
def test_ear_compat_equals_pabutools_on_ordinal_files(name: str) -> None:
    """With ties broken lexicographically on both sides the selection order is identical."""
    election = pb_file(str(require(CONFORMANCE / "equalshares" / "pb_ordinal" / name))).election
    result = count(election, rule="ear", tie_break="lexicographic", compat="pabutools")
    assert list(result.winners) == run_pb_ear(election)


@pytest.mark.parametrize("name", FILES)
def test_ear_reports_the_tie_pabutools_resolves_arbitrarily(name: str) -> None:
    """Several projects reach their quota at depth 1: without a policy that is reported."""
    election = pb_file(str(require(CONFORMANCE / "equalshares" / "pb_ordinal" / name))).election
    result = count(election, rule="ear")
    assert not result.complete
    assert result.unresolved_tie is not None and len(result.unresolved_tie.candidates) > 1


def test_compat_is_only_for_ear() -> None:
    """Asking another rule for the pabutools variant is an error, not silently ignored."""
    from pb.tally import TallyError

    election, _, _ = CASES["quota_below_one_pays_nothing"]
    with pytest.raises(TallyError, match="only exists for the ear rule"):
        count(election, rule="greedy", compat="pabutools")
