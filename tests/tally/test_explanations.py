"""The round data pages turn into plain-language explanations, on hand-counted elections.

Each test states the count by hand in its docstring; the assertions are what a results page
relies on to say what happened and why.
"""

from __future__ import annotations

from fractions import Fraction

from pb.tally import Election, Project, Tie, count


def _events(result: object) -> list[tuple[int, str, dict]]:
    return [(r.number, e.key, dict(e.params)) for r in result.rounds for e in r.events]  # type: ignore[attr-defined]


def test_irv_says_who_was_eliminated_in_round_2_and_why() -> None:
    """14 ballots: A 5; B,C 4; C,B 3; D,C 2. Round 1: majority threshold 8, nobody has it,
    D has the fewest (2) and is eliminated; its 2 ballots go to C. Round 2: A 5, B 4, C 5:
    B has the fewest and is eliminated; its 4 ballots go to C. Round 3: C 9 >= 8 wins,
    although A led the first round."""
    election = Election(tuple(Project(p, 1) for p in "ABCD"), 10,
                        (("A",),) * 5 + (("B", "C"),) * 4 + (("C", "B"),) * 3 + (("D", "C"),) * 2)
    result = count(election, rule="irv")
    assert result.winners == ("C",) and result.complete and not result.ties
    r1, r2, r3 = result.rounds
    assert {k: Fraction(v) for k, v in r1.tally.items()} == {"A": 5, "B": 4, "C": 3, "D": 2,
                                                             "_threshold": 8}
    assert [(e.key, e.params) for e in r2.events] == [
        ("tally.rcv.eliminated", {"candidate": "B"}),
        ("tally.rcv.transfer", {"from": "B", "to": "C", "votes": "4"})]
    assert {k: Fraction(v) for k, v in r2.tally.items()} == {"A": 5, "B": 4, "C": 5,
                                                             "_threshold": 8}
    assert ("tally.rcv.eliminated", {"candidate": "D"}) in [(e.key, e.params) for e in r1.events]
    assert [(e.key, e.params) for e in r3.events] == [("tally.rcv.elected", {"candidate": "C"})]
    assert Fraction(r3.tally["C"]) == 9


def test_equal_shares_says_what_each_funded_project_cost_its_supporters() -> None:
    """Budget 100, 4 voters (25 each), K=2 points. X (60): voters 1-3 give 2 points each,
    rho = 60/6 = 10 (each pays 20). Y (40): voter 1 gives 1, voter 4 gives 2; voter 4 cannot
    pay 2*40/3, pays all 25, voter 1 pays 15: rho 15. Z (30): voters 3 and 4 give 1: rho 15.
    X is funded first (rho 10), leaving voters 1-3 with 5. Then Y's supporters hold 5 + 25 =
    30 < 40: unaffordable; Z: voter 3 pays its 5, voter 4 pays 25: rho 25. Funded: X, Z."""
    election = Election((Project("X", 60), Project("Y", 40), Project("Z", 30)), 100,
                        (("X", "Y"), ("X",), ("X", "Z"), ("Y", "Z")), max_ranks=2)
    result = count(election, rule="equal-shares")
    assert result.winners == ("X", "Z") and result.spent == 90
    assert _events(result) == [
        (1, "tally.mes.funded", {"project": "X", "cost": 60, "rho": Fraction(10), "left": 40}),
        (2, "tally.mes.funded", {"project": "Z", "cost": 30, "rho": Fraction(25), "left": 10}),
    ]


def test_greedy_tie_says_which_rule_decided_it() -> None:
    """Budget 10; A (6) and B (5) both earn 1 point and cannot both be funded: a decisive
    tie. With min-cost B comes first and is funded (5 left), A no longer fits; with no
    policy the count stops at the tie and says so."""
    election = Election((Project("A", 6), Project("B", 5)), 10, (("A",), ("B",)))
    decided = count(election, rule="greedy", tie_break="min-cost")
    assert decided.ties == (Tie(("A", "B"), "tally.greedy: equal ranking", "min-cost", "B"),)
    assert _events(decided) == [
        (1, "tally.greedy.funded", {"project": "B", "cost": 5, "points": 1, "left": 5}),
        (2, "tally.greedy.skipped_too_expensive", {"project": "A", "cost": 6, "points": 1,
                                                   "left": 5}),
    ]
    stopped = count(election, rule="greedy")
    assert not stopped.complete and stopped.winners == ()
    assert stopped.unresolved_tie == Tie(("A", "B"), "tally.greedy: equal ranking", None, None)
    assert _events(stopped) == [(1, "tally.greedy.tie_unresolved",
                                 {"projects": ["A", "B"], "left": 10, "points": 1})]


def test_irv_elimination_tie_names_the_round_and_the_policy() -> None:
    """7 ballots: A 3; B 2; C,B 1; D,A 1. Round 1: threshold floor(7/2) + 1 = 4, nobody has
    it, C and D tie for last with 1 each. Lexicographic order puts D last, so D is
    eliminated (the tie names round 1 and the policy); with no policy the count stops."""
    election = Election(tuple(Project(p, 1) for p in "ABCD"), 10,
                        (("A",),) * 3 + (("B",),) * 2 + (("C", "B"), ("D", "A")))
    decided = count(election, rule="irv", tie_break="lexicographic")
    assert decided.ties[0] == Tie(("C", "D"), "round 1: loser", "policyOrder", "D")
    assert ("tally.rcv.eliminated", {"candidate": "D"}) in [
        (e.key, e.params) for e in decided.rounds[0].events]
    stopped = count(election, rule="irv")
    assert not stopped.complete
    assert stopped.unresolved_tie == Tie(("C", "D"), "round 1: loser", None, None)
