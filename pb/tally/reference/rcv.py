"""IRV and STV as RCTab documents them, for ballots with one mark per rank (reference).

Source: RCTab's tabulation rules (https://www.rcvresources.org/rctab, configuration
documentation, "Winner election mode", "Decimal places for vote arithmetic", "Tiebreak
mode"), restricted to what a PB contest uses: one mark per rank, no blanks or overvotes,
all candidates declared, 4 decimal places, candidate-order tie-breaks.

- Every ballot is worth one vote, kept in units of 10^-4, and counts for its highest-ranked
  continuing candidate; a ballot with no continuing candidate left is exhausted.
- Threshold: one seat: floor(V / 2) + 1 whole votes, V = continuing votes of the round;
  S > 1 seats: floor(V / (S + 1)) + 1 with V of round 1, fixed after that.
- Each round: if the continuing candidates are no more than the open seats, all win;
  else every candidate at or above the threshold wins (one seat: when two are left the
  one with more votes wins); else the candidate with the fewest votes is eliminated.
- STV surplus: a winner with T votes over threshold Q passes on the fraction
  f = floor((T - Q) / T, 4 places) of every ballot: each ballot's value v becomes
  floor(v * f, 4 places); the rest stays with the winner. When the seats are filled one
  more round is counted, in which the winners' surplus ballots stop ("final round surplus").
- Ties (equal votes for the last place or for the win) follow the candidate order set
  by the tie policy: the last candidate in that order loses, the first wins; without an
  order the count stops.
"""

from __future__ import annotations

from typing import Any

from pb.tally.model import Election
from pb.tally.reference import RefOutcome, tie_stats, voters
from pb.tally.ties import TieBreak

UNIT = 10**4


def reference_rcv(election: Election, *, seats: int = 1,
                  tie: TieBreak | None = None) -> RefOutcome:
    """IRV (seats=1) or STV over the projects as candidates; rounds as RCTab reports them.

    Each round in `rounds` is {"tally": {candidate: units}, "threshold": units,
    "elected": [...], "eliminated": [...]}; tallies of candidates elected earlier are left
    out (the fast rule reports what their surplus left them, a different quantity).
    """
    tie = tie or TieBreak()
    names = sorted(p.id for p in election.projects)
    order = tie.order(names, tie_stats(election)) if tie.criteria else None
    ballots = voters(election)
    value = [UNIT] * len(ballots)
    fraction: dict[str, int] = {}
    elected: list[str] = []
    out: list[str] = []
    lost: set[str] = set()
    rounds: list[dict[str, Any]] = []
    threshold: int | None = None
    filled = False
    holder: list[str | None] = [None] * len(ballots)
    while True:
        # move the ballots whose candidate stopped continuing (all of them in round 1)
        for i, ballot in enumerate(ballots):
            if rounds and (holder[i] is None or (holder[i] not in lost
                                                 and holder[i] not in elected)):
                continue
            if holder[i] in fraction:
                value[i] = value[i] * fraction[holder[i]] // UNIT
            nxt = next((c for c in ballot if c not in lost and c not in elected), None)
            holder[i] = None if filled else nxt
        tally = {c: 0 for c in names if c not in lost and c not in elected}
        for i, h in enumerate(holder):
            if h is not None:
                tally[h] += value[i]
        if threshold is None or seats == 1:
            votes = sum(tally.values())
            threshold = (votes // (UNIT * (seats + 1))) * UNIT + UNIT
        record: dict[str, Any] = {"tally": dict(tally), "threshold": threshold,
                                  "elected": [], "eliminated": []}
        rounds.append(record)
        if filled:
            break
        open_seats = seats - len(elected)
        cont = list(tally)
        if len(cont) <= open_seats:
            winners = cont
        else:
            winners = sorted((c for c in cont if tally[c] >= threshold), key=lambda c: -tally[c])
            if not winners and seats == 1 and len(cont) == 2:
                top = max(tally.values())
                leaders = [c for c in cont if tally[c] == top]
                pick = _pick(leaders, order, last=False)
                if pick is None:
                    return _stop(out, rounds, leaders)
                winners = [pick]
        if winners:
            for w in winners:
                elected.append(w)
                record["elected"].append(w)
                if seats > 1:
                    extra = tally[w] - threshold
                    fraction[w] = extra * UNIT // tally[w] if extra > 0 else 0
            out += winners
            if len(elected) >= seats:
                if seats == 1:
                    break
                filled = True
            elif not [c for c in names if c not in lost and c not in elected]:
                break
            continue
        low = min(tally.values())
        losers = [c for c in cont if tally[c] == low]
        loser = _pick(losers, order, last=True)
        if loser is None:
            return _stop(out, rounds, losers)
        lost.add(loser)
        record["eliminated"].append(loser)
    return RefOutcome(tuple(out), 0, rounds=tuple(rounds))


def _pick(tied: list[str], order: list[str] | None, *, last: bool) -> str | None:
    """First (or last) of `tied` in the candidate order; None without an order."""
    if len(tied) == 1:
        return tied[0]
    if order is None:
        return None
    ranked = sorted(tied, key=order.index)
    return ranked[-1] if last else ranked[0]


def _stop(winners: list[str], rounds: list[dict[str, Any]], tied: list[str]) -> RefOutcome:
    """An unresolved tie stops the count."""
    return RefOutcome(tuple(winners), 0, ties=(tuple(sorted(tied)),), complete=False,
                      rounds=tuple(rounds))
