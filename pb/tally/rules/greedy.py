"""Greedy by points: fund projects in descending points while each fits the remaining budget.

A project that does not fit is skipped and the count goes on with the next one (this is
the Kraków rule with `length` points). Projects nobody ranked earn no points and are not
funded. Projects with equal points form a tie only when the order among them changes which
of them are funded: that happens exactly when the members that still fit the remaining
budget cost more together than what is left (then whichever goes first is funded).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pb.tally.compress import Profile
from pb.tally.model import Event, Round, Tie
from pb.tally.rules.base import Options, Outcome, point_matrix, project_totals
from pb.tally.ties import TieBreak, TieStats


def run_greedy(profile: Profile, options: Options) -> Outcome:
    """Run the greedy rule on a compressed profile."""
    ids = profile.ids
    totals = project_totals(profile, point_matrix(profile, options.points))
    points = dict(zip(ids, totals, strict=True))
    stats = profile.tie_stats()
    order = sorted((p for p in ids if points[p] > 0), key=lambda p: (-points[p], p))
    groups = _groups(order, points)
    spent, winners, rounds, ties, complete = fund_in_order(
        groups, stats, options.tie, profile.budget, [], "tally.greedy",
        lambda p: {"points": points[p]})
    if not complete:
        return _outcome(winners, points, spent, rounds, ties, False)
    for p in sorted(ids):
        if points[p] == 0:
            rounds.append(_round(len(rounds) + 1, "tally.greedy.no_points", project=p))
    return _outcome(winners, points, spent, rounds, ties, True)


def _groups(order: list[str], key: Mapping[str, object]) -> list[list[str]]:
    groups: list[list[str]] = []
    for p in order:
        if groups and key[groups[-1][0]] == key[p]:
            groups[-1].append(p)
        else:
            groups.append([p])
    return groups


def fund_in_order(
    groups: list[list[str]],
    stats: TieStats,
    tie: TieBreak,
    left: int,
    already: list[str],
    prefix: str,
    describe: Callable[[str], dict[str, object]],
    first_round: int = 1,
) -> tuple[int, list[str], list[Round], list[Tie], bool]:
    """Fund groups of equally ranked projects in order while each fits what is left.

    Returns (spent here, winners, rounds, ties, complete). Within a group the order only
    matters when the members that fit cost more together than what is left; then the tie
    policy picks, and without one the count stops with the tie reported.
    """
    costs = stats.costs
    start = left
    winners: list[str] = []
    rounds: list[Round] = []
    ties: list[Tie] = []
    for group in groups:
        group = list(group)
        while group:
            fitting = [p for p in group if costs[p] <= left]
            if sum(costs[p] for p in fitting) <= left:
                chosen: str | None = fitting[0] if fitting else group[0]
            else:
                chosen, by = tie.pick(fitting, stats)
                ties.append(Tie(tuple(fitting), f"{prefix}: equal ranking", by, chosen))
                if chosen is None:
                    rounds.append(_round(first_round + len(rounds), f"{prefix}.tie_unresolved",
                                         projects=list(fitting), left=left,
                                         **describe(fitting[0])))
                    return start - left, winners, rounds, ties, False
            group.remove(chosen)
            params = {"project": chosen, "cost": costs[chosen], **describe(chosen)}
            if costs[chosen] <= left:
                left -= costs[chosen]
                winners.append(chosen)
                rounds.append(_round(first_round + len(rounds), f"{prefix}.funded", **params,
                                     left=left))
            else:
                rounds.append(_round(first_round + len(rounds), f"{prefix}.skipped_too_expensive",
                                     **params, left=left))
    return start - left, winners, rounds, ties, True


def _round(number: int, key: str, **params: object) -> Round:
    return Round(number, (Event(key, params),))


def _outcome(winners: list[str], points: dict[str, int], spent: int, rounds: list[Round],
             ties: list[Tie], complete: bool) -> Outcome:
    return Outcome(tuple(winners), points, spent, tuple(rounds), tuple(ties), complete)
