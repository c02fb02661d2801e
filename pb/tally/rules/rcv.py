"""IRV and STV with RCTab's semantics (thresholds, rounding, overvotes, skipped ranks,
batch elimination, exhausted ballots, fractional surplus transfer, tie-break modes).

Vote values are integers in units of 10^-d (d = `decimal_places`): every CVR starts at
10^d, and the only two roundings RCTab does (the surplus fraction and each ballot's
transfer) round down to d places, so integer arithmetic is exact. Ballots are merged
lines with a count; a transfer is computed for one ballot and then multiplied by its
count, as RCTab does. Each pass produces RCTab's round-by-round summary JSON (the format
RCVis reads) besides our own rounds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from pb.tally.compress import Profile
from pb.tally.errors import TallyError
from pb.tally.model import Event, Round, Tie
from pb.tally.rcvmodel import OVERVOTE, WRITE_IN, RcvBallot, RcvContest, RcvRules
from pb.tally.rules.base import Options, Outcome
from pb.tally.rules.javarandom import JavaRandom, hashset_order, java_key, java_shuffle

BUCKETS = ("overvotes", "skippedRankings", "exhaustedChoices", "repeatedRankings")
POLICY_ORDER = "policyOrder"  # internal tie-break mode: candidates pre-ordered by our policy


def contest_from_profile(profile: Profile, options: Options, rule: str | None = None) -> RcvContest:
    """Projects become candidates, rankings become one-mark-per-rank ballots.

    The tie policy orders the candidates once (winner = first, loser = last, like RCTab's
    `useCandidateOrder`); with no policy, or one that cannot order them, a decisive tie
    stops the count and is reported.
    """
    ids = profile.ids
    order = options.tie.order(ids, profile.tie_stats()) if options.tie.criteria else None
    seats = options.seats
    mode = "singleWinnerMajority" if seats == 1 else "multiWinnerAllowMultipleWinnersPerRound"
    rules = RcvRules(
        candidates=tuple((c, False) for c in (order or ids)),
        seats=seats,
        winner_election_mode=mode,
        tiebreak_mode=POLICY_ORDER if order else "none",
        overvote_rule="exhaustImmediately",
        max_skipped_ranks=None,
        decimal_places=4,
        case="pb",
    )
    costs = {p.id: p.cost for p in profile.projects}
    if seats == 1:
        return RcvContest(rules, (), costs, profile.matrix, profile.weight_array, ids)
    ballots = tuple(
        RcvBallot(tuple((ids[i],) for i in r), w)
        for r, w in zip(profile.rankings, profile.weights, strict=True)
    )
    return RcvContest(rules, ballots, costs)


class _Stop(Exception):  # noqa: N818 - control flow inside one count
    """An unresolved tie: counting stops here."""

    def __init__(self, tie: Tie) -> None:
        super().__init__(tie.context)
        self.tie = tie


@dataclass
class _Report:
    """RCTab's per-round record being built."""

    number: int
    tally: dict[str, int] = field(default_factory=dict)
    threshold: Fraction = Fraction(0)
    inactive: dict[str, int] = field(default_factory=dict)
    actions: list[tuple[str, str]] = field(default_factory=list)  # (elected|eliminated, name)
    transfers: dict[str, dict[str, int]] = field(default_factory=dict)


class _Count:
    """One single-pass tabulation (RCTab's Tabulator for one contest/pass)."""

    def __init__(self, contest: RcvContest, seats: int, excluded: set[str]) -> None:
        self.rules = r = contest.rules
        self.seats = seats
        self.unit = 10**r.decimal_places
        names = [n for n, _ in r.candidates]
        self.declared = names
        self.all = [n for n, ex in r.candidates if not ex and n not in excluded]
        if r.write_in_label:
            self.all.append(WRITE_IN)
        self.known = set(names) | {WRITE_IN, OVERVOTE}
        self.ballots = [b for b in contest.ballots]
        for b in self.ballots:
            for marks in b.ranks:
                for m in marks:
                    if m not in self.known:
                        raise TallyError(f"ballot names unknown candidate {m!r}")
        self.excluded = {n for n, ex in r.candidates if ex} | excluded
        self.eliminated: list[str] = []
        self.elected: list[str] = []
        self.mode = r.winner_election_mode
        self.surplus_mode = seats > 1 and self.mode not in ("bottomsUp",
                                                           "bottomsUpUsingPercentageThreshold")
        self.percentage = self.mode == "bottomsUpUsingPercentageThreshold"
        seed = r.random_seed if r.random_seed is not None else 0
        self.rng = JavaRandom(seed)
        if r.tiebreak_mode == "generatePermutation":
            self.order = java_shuffle(sorted(names, key=java_key), JavaRandom(seed))
        else:
            self.order = names
        self.ties: list[Tie] = []
        # ballot state
        n = len(self.ballots)
        self.value = [self.unit] * n
        self.holder: list[str | None] = [None] * n
        self.dead: list[str | None] = [None] * n
        self.by_holder: dict[str, list[int]] = {}
        self.tally: dict[str, int] = {}
        self.kept: dict[str, int] = {}  # STV winners' tallies
        self.fraction: dict[str, int] = {}  # STV surplus fraction (units) per new winner
        self.buckets = {b: 0 for b in BUCKETS}
        self.final_surplus = 0
        self.reports: list[_Report] = []
        self.threshold: Fraction | None = None
        self.seats_filled = False
        self.undervotes = sum(b.count for b in self.ballots if not b.ranks)
        self.total = sum(b.count for b in self.ballots)
        self.fast = contest.matrix is not None and not self.surplus_mode
        if self.fast:
            self._init_fast(contest)

    def _init_fast(self, contest: RcvContest) -> None:
        """Vectorised ballot state for contests with one mark per rank (PB profiles)."""
        self.M = np.asarray(contest.matrix)
        self.W = np.asarray(contest.weights, dtype=np.int64)
        self.names = list(contest.matrix_names)
        for name in self.names:
            if name not in self.known:
                raise TallyError(f"ballot names unknown candidate {name!r}")
        empty = self.M[:, 0] < 0 if self.M.shape[1] else np.ones(len(self.W), dtype=bool)
        self.undervotes = int(self.W[empty].sum())
        self.total = int(self.W.sum())
        self.pos = np.full(len(self.W), -1, dtype=np.int64)
        self.hold = np.full(len(self.W), -1, dtype=np.int64)
        self.live = ~empty
        self.votes = np.zeros(len(self.names), dtype=np.int64)  # ballots held per candidate

    def _fast_move(self, rows: np.ndarray, report: _Report | None) -> None:
        """Move `rows` to their next continuing candidate (or exhaust them), vectorised."""
        c = len(self.names)
        cont = np.array([self.continuing(n) for n in self.names] + [False])
        source = self.hold[rows].copy()
        pos = self.pos[rows] + 1
        target = np.full(len(rows), -1, dtype=np.int64)
        pending = np.arange(len(rows))
        k = self.M.shape[1]
        while len(pending):
            p = pos[pending]
            inside = p < k
            cand = np.full(len(pending), -1, dtype=np.int64)
            cand[inside] = self.M[rows[pending[inside]], p[inside]]
            found = (cand >= 0) & cont[cand]
            target[pending[found]] = cand[found]
            go_on = (cand >= 0) & ~found
            pos[pending[go_on]] += 1
            pending = pending[go_on]
        self.pos[rows] = pos
        self.hold[rows] = target
        gone = target < 0
        self.live[rows[gone]] = False
        self.buckets["exhaustedChoices"] += int(self.W[rows[gone]].sum()) * self.unit
        if report is not None:
            moved = source >= 0
            dest = np.where(target >= 0, target, c)
            flows = np.bincount(source[moved] * (c + 1) + dest[moved],
                                weights=self.W[rows[moved]].astype(np.float64),
                                minlength=c * (c + 1))
            for code in np.nonzero(flows)[0].tolist():
                src, dst = divmod(code, c + 1)
                name = self.names[dst] if dst < c else "exhausted"
                entry = report.transfers.setdefault(self.names[src], {})
                entry[name] = entry.get(name, 0) + int(round(flows[code])) * self.unit
        # the moved ballots' votes leave their previous holder and join their new one
        weight = self.W[rows].astype(np.float64)
        left, joined = source >= 0, target >= 0
        self.votes += np.rint(np.bincount(target[joined], weights=weight[joined], minlength=c)
                              - np.bincount(source[left], weights=weight[left], minlength=c)
                              ).astype(np.int64)
        self.tally = {n: v * self.unit for n, v in zip(self.names, self.votes.tolist(), strict=True)}

    # -- ballots -------------------------------------------------------------------------

    def continuing(self, name: str) -> bool:
        if name in self.excluded or name in self.eliminated:
            return False
        if name in self.elected:
            return self.rules.continue_until_two_candidates_remain
        return name in self.all

    def walk(self, i: int) -> tuple[str | None, str | None]:
        """Where ballot i goes now: (candidate, None) or (None, inactive reason)."""
        r = self.rules
        ranks = self.ballots[i].ranks
        last = 0
        seen: set[str] = set()
        for pos, marks in enumerate(ranks, start=1):
            if not marks:
                continue
            if self.seats_filled:
                return None, "finalRoundSurplus"
            if r.max_skipped_ranks is not None and pos - last > r.max_skipped_ranks + 1:
                return None, "skippedRankings"
            last = pos
            if r.exhaust_on_duplicate_candidate:
                if any(m in seen for m in marks) or len(set(marks)) < len(marks):
                    return None, "repeatedRankings"
                seen.update(marks)
            if len(marks) > 1 or marks[0] == OVERVOTE:
                if r.overvote_rule == "exhaustImmediately":
                    return None, "overvotes"
                if r.overvote_rule == "alwaysSkipToNextRank":
                    if pos == len(ranks):
                        return None, "exhaustedChoices"
                    continue
                if sum(1 for m in marks if m != OVERVOTE and self.continuing(m)) >= 2:
                    return None, "overvotes"
            for m in marks:
                if m != OVERVOTE and self.continuing(m):
                    return m, None
            if pos == len(ranks):
                return None, "exhaustedChoices"
        return None, "exhaustedChoices"

    def move(self, i: int, report: _Report | None) -> None:
        """Walk ballot i and move it, recording the transfer under its previous holder."""
        source = self.holder[i]
        target, reason = self.walk(i)
        amount = self.value[i] * self.ballots[i].count
        if target is not None:
            self.holder[i] = target
            self.by_holder.setdefault(target, []).append(i)
            self.tally[target] = self.tally.get(target, 0) + amount
        else:
            self.holder[i] = None
            self.dead[i] = reason
            if reason == "finalRoundSurplus":
                self.final_surplus += amount
            else:
                self.buckets[reason] += amount  # type: ignore[index]
        if source is not None and report is not None and amount > 0:
            dest = target if target is not None else "exhausted"
            flows = report.transfers.setdefault(source, {})
            flows[dest] = flows.get(dest, 0) + amount

    # -- rounds --------------------------------------------------------------------------

    def run(self) -> None:
        previous: _Report | None = None
        number = 0
        for i, b in enumerate(self.ballots):
            if not b.ranks:
                self.dead[i] = "undervote"
        while True:
            number += 1
            self.count_round(number, previous)
            report = self.reports[-1]
            done = self.decide(report)
            stop_at = self.rules.stop_tabulation_early_after_round
            if done or (stop_at is not None and number >= stop_at):
                return
            previous = report

    def count_round(self, number: int, previous: _Report | None) -> None:
        report = _Report(number)
        if self.fast:
            if number == 1:
                self._fast_move(np.nonzero(self.live)[0], None)
            else:  # the ballots held by candidates who no longer continue move on
                held = np.zeros(len(self.W), dtype=bool)
                for c, name in enumerate(self.names):
                    if self.votes[c] and not self.continuing(name):
                        held |= self.hold == c
                self._fast_move(np.flatnonzero(held), previous)
        elif number == 1:
            for i in range(len(self.ballots)):
                if self.dead[i] is None:
                    self.move(i, None)
        else:
            for name in [h for h in self.by_holder if not self.continuing(h)]:
                moving = self.by_holder.pop(name)
                frac = self.fraction.pop(name, None)
                kept = 0
                for i in moving:
                    v = self.value[i]
                    if frac is not None:
                        passed = v * frac // self.unit
                        kept += (v - passed) * self.ballots[i].count
                        self.value[i] = passed
                    self.move(i, previous)
                if name in self.tally:
                    del self.tally[name]
                if frac is not None:
                    self.settle_winner(name, kept, previous)
        for name in self.all:
            if self.continuing(name):
                report.tally[name] = self.tally.get(name, 0)
        for name in self.elected:
            if name in self.kept:
                report.tally[name] = self.kept[name]
        report.threshold = self.compute_threshold(number, report)
        report.inactive = dict(self.buckets)
        self.reports.append(report)

    def settle_winner(self, name: str, kept: int, previous: _Report | None) -> None:
        """An STV winner keeps what its ballots left; rounding leftovers are reported."""
        assert self.threshold is not None
        threshold = int(self.threshold)
        residual = kept - threshold
        if residual > 0 and previous is not None:
            previous.transfers.setdefault(name, {})["residual surplus"] = residual
        self.kept[name] = min(kept, threshold) if residual > 0 else kept

    def compute_threshold(self, number: int, report: _Report) -> Fraction:
        r = self.rules
        fixed = (self.seats > 1 and self.mode != "multiPassIrv" and not self.percentage) \
            or r.first_round_determines_threshold
        if r.continue_until_two_candidates_remain and self.elected:
            fixed = True
        if self.threshold is not None and fixed:
            return self.threshold
        votes = sum(v for n, v in report.tally.items() if n not in self.elected
                    or self.rules.continue_until_two_candidates_remain)
        u, s = self.unit, self.seats
        if self.percentage:
            assert r.bottoms_up_percentage_threshold is not None
            t = Fraction(votes) * Fraction(r.bottoms_up_percentage_threshold) / 100
        elif r.hare_quota:
            t = Fraction(-(-votes // s) if r.non_integer_threshold else -(-votes // (u * s)) * u)
        elif r.non_integer_threshold:
            t = Fraction(votes // (s + 1) + 1)
        else:
            t = Fraction(votes // (u * (s + 1)) * u + u)
        self.threshold = t
        return t

    # -- decisions -----------------------------------------------------------------------

    def cont_names(self) -> list[str]:
        return [n for n in self.all if self.continuing(n)]

    def decide(self, report: _Report) -> bool:
        """Elect or eliminate after round `report`; True when counting is over."""
        r = self.rules
        if self.seats_filled:
            return True
        cont = [n for n in self.cont_names() if n not in self.elected]
        tally = report.tally
        winners = self.find_winners(report, cont) if len(self.elected) < max(self.seats, 1) \
            or self.percentage else []
        if winners:
            for w in winners:
                self.elect(w, report)
            if self.surplus_mode:
                if len(self.elected) >= self.seats:
                    self.seats_filled = True  # one more round shows the final surpluses
                    return False
                return not [n for n in self.cont_names() if n not in self.elected]
            if r.continue_until_two_candidates_remain and self.mode != "bottomsUp":
                return len(self.eliminated) + len(self.elected) + 1 >= len(self.all)
            return len(self.elected) >= self.seats or self.percentage
        # nobody elected: does counting go on?
        if r.continue_until_two_candidates_remain and self.elected:
            if len(self.eliminated) + len(self.elected) + 1 >= len(self.all):
                return True
        self.eliminate(report, [n for n in self.cont_names()], tally)
        return False

    def elect(self, name: str, report: _Report) -> None:
        self.elected.append(name)
        report.actions.append(("elected", name))
        if self.surplus_mode:
            assert self.threshold is not None
            tally = self.tally.get(name, 0)
            extra = Fraction(tally) - self.threshold
            frac = int(extra * self.unit / tally) if extra > 0 and tally > 0 else 0
            self.fraction[name] = frac
            self.kept[name] = tally

    def find_winners(self, report: _Report, cont: list[str]) -> list[str]:
        r = self.rules
        tally = report.tally
        if tally.get(WRITE_IN, 0) > 0:
            return []
        open_seats = self.seats - len(self.elected)
        t = report.threshold
        if self.percentage:
            return list(cont) if cont and all(tally[n] > t for n in cont) else []
        if len(cont) <= open_seats:
            return list(cont)
        if self.mode == "bottomsUp":
            return []
        over = [n for n in cont if n != WRITE_IN and tally[n] >= t]
        one_only = self.mode == "multiWinnerAllowOnlyOneWinnerPerRound" or \
            r.first_round_determines_threshold
        if over and (one_only or (self.seats == 1 and len(over) > 1)):
            top = max(tally[n] for n in over)
            leaders = [n for n in over if tally[n] == top]
            return [self.tiebreak(leaders, report, loser=False)]
        if over:
            return sorted(over, key=lambda n: -tally[n])
        if self.seats == 1 and len(cont) == 2 and not self.elected:
            top = max(tally[n] for n in cont)
            return [self.tiebreak([n for n in cont if tally[n] == top], report, loser=False)]
        if r.first_round_determines_threshold and len(cont) == open_seats + 1:
            top = max(tally[n] for n in cont)
            return [self.tiebreak([n for n in cont if tally[n] == top], report, loser=False)]
        return []

    def eliminate(self, report: _Report, cont: list[str], tally: Mapping[str, int]) -> None:
        r = self.rules
        losers: list[str] = []
        if tally.get(WRITE_IN, 0) > 0:
            losers = [WRITE_IN]
        if not losers and r.cutoff_elimination:
            losers = [n for n in cont if tally[n] < report.threshold and n not in self.elected]
        if not losers and r.batch_elimination:
            losers = self.batch(cont, tally)
        if not losers:
            candidates = [n for n in cont if n not in self.elected]
            low = min(tally[n] for n in candidates)
            losers = [self.tiebreak([n for n in candidates if tally[n] == low], report, loser=True)]
        for name in losers:
            self.eliminated.append(name)
            report.actions.append(("eliminated", name))

    def batch(self, cont: list[str], tally: Mapping[str, int]) -> list[str]:
        values = sorted({tally[n] for n in cont})
        feasible: list[int] = []
        for t in values:
            below = sum(tally[n] for n in cont if tally[n] < t)
            if below < t:
                feasible.append(t)
        for t in reversed(feasible):
            losers = [n for n in cont if tally[n] < t and n not in self.elected]
            if len(losers) < 2:
                return []
            if self.rules.continue_until_two_candidates_remain and len(cont) - len(losers) < 2:
                continue
            return losers
        return []

    def tiebreak(self, tied: list[str], report: _Report, *, loser: bool) -> str:
        if len(tied) == 1:
            return tied[0]
        mode = self.rules.tiebreak_mode
        ordered = sorted(tied, key=java_key)
        what = "loser" if loser else "winner"
        if mode == "none":
            tie = Tie(tuple(ordered), f"round {report.number}: {what}", None, None)
            self.ties.append(tie)
            raise _Stop(tie)
        if mode in ("useCandidateOrder", "generatePermutation", POLICY_ORDER):
            rank = {n: i for i, n in enumerate(self.order)}
            pick = sorted(ordered, key=lambda n: rank.get(n, len(rank)))
            chosen = pick[-1] if loser else pick[0]
        elif mode == "random":
            chosen = ordered[int(self.rng.next_double() * len(ordered))]
        else:  # previousRoundCountsThenRandom
            remaining = ordered
            for past in reversed(self.reports[:-1]):
                values = {n: past.tally.get(n, 0) for n in remaining}
                best = min(values.values()) if loser else max(values.values())
                remaining = [n for n in remaining if values[n] == best]
                if len(remaining) == 1:
                    break
            if len(remaining) == 1:
                chosen = remaining[0]
            else:
                pool = hashset_order(remaining) if len(self.reports) > 1 else remaining
                chosen = pool[int(self.rng.next_double() * len(pool))]
        self.ties.append(Tie(tuple(ordered), f"round {report.number}: {what}", mode, chosen))
        return chosen

    # -- output --------------------------------------------------------------------------

    def dec(self, units: int | Fraction) -> str:
        value = Decimal(units.numerator) / Decimal(units.denominator) \
            if isinstance(units, Fraction) else Decimal(units)
        text = format((value / self.unit).normalize(), "f")
        return text

    def summary(self, contest_rules: RcvRules, seats_reported: int) -> dict[str, Any]:
        results = []
        last = len(self.reports) - 1
        for idx, rep in enumerate(self.reports):
            inactive = {k: self.dec(v) for k, v in rep.inactive.items()}
            if idx == last and self.surplus_mode:
                inactive["finalRoundSurplus"] = self.dec(self.final_surplus)
            results.append({
                "round": rep.number,
                "tally": {n: self.dec(v) for n, v in rep.tally.items()},
                "threshold": self.dec(rep.threshold),
                "inactiveBallots": inactive,
                "tallyResults": [
                    {kind: name, "transfers": {k: self.dec(v) for k, v in
                                               rep.transfers.get(name, {}).items()}}
                    for kind, name in rep.actions
                ],
            })
        total = self.total
        return {
            "jsonFormatVersion": "1",
            "config": {"contest": contest_rules.case},
            "results": results,
            "summary": {
                "finalThreshold": self.dec(self.reports[-1].threshold) if self.reports else "0",
                "numCandidates": len(self.declared) + (1 if contest_rules.write_in_label else 0),
                "numWinners": seats_reported,
                "totalNumBallots": str(total),
                "undervotes": self.undervotes,
            },
        }

    def rounds(self, offset: int) -> list[Round]:
        out = []
        for rep in self.reports:
            events = [Event(f"tally.rcv.{kind}", {"candidate": name}) for kind, name in rep.actions]
            for source, flows in rep.transfers.items():
                for target, amount in flows.items():
                    events.append(Event("tally.rcv.transfer", {
                        "from": source, "to": target, "votes": self.dec(amount)}))
            tally = {n: self.dec(v) for n, v in rep.tally.items()}
            tally["_threshold"] = self.dec(rep.threshold)
            out.append(Round(offset + rep.number, tuple(events), tally))
        return out


def _run(contest: RcvContest) -> Outcome:
    r = contest.rules
    passes = r.seats if r.winner_election_mode == "multiPassIrv" else 1
    winners: list[str] = []
    summaries: list[dict[str, Any]] = []
    rounds: list[Round] = []
    ties: list[Tie] = []
    totals: dict[str, Any] = {}
    complete = True
    for _ in range(passes):
        seats = 1 if passes > 1 else r.seats
        count = _Count(contest, seats, excluded=set(winners) if passes > 1 else set())
        try:
            count.run()
        except _Stop:
            complete = False
        ties += count.ties
        rounds += count.rounds(len(rounds))
        summaries.append(count.summary(r, seats))
        for rep in count.reports:
            for n, v in rep.tally.items():
                totals[n] = Decimal(v) / count.unit
        winners += [w for w in count.elected if w not in winners]
        if not complete:
            break
    spent = sum(contest.candidate_costs.get(w, 0) for w in winners)
    return Outcome(tuple(winners), totals, spent, tuple(rounds), tuple(ties), complete,
                   rcv_summaries=tuple(summaries),
                   options={"seats": r.seats, "mode": r.winner_election_mode,
                            "tiebreak_mode": r.tiebreak_mode})


def run_irv(contest: RcvContest, options: Options) -> Outcome:
    """Instant-runoff voting (one seat, or RCTab's single-winner modes)."""
    return _run(contest)


def run_stv(contest: RcvContest, options: Options) -> Outcome:
    """Single transferable vote with RCTab's fractional surplus transfer."""
    return _run(contest)
