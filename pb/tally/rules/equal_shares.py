"""The Method of Equal Shares (MES), exact, with the add-one completion and a greedy fill.

Every voter starts with an equal share of the budget. A project is affordable if its
supporters can pay its cost; each supporter pays in proportion to their utility for it
(rho times utility) or everything they have left, and MES funds the affordable project with
the smallest rho, until none is affordable. Utilities are the ranked points (`points`
option) for ordinal ballots and the cost for approval ballots ("cost utilities", as on
equalshares.net). Projects that cost nothing and someone supports are funded first, as
pabutools does.

Exactness: budgets are kept in floats for speed, but each voter's exact budget is known
in closed form (zero once they paid everything, else b0 - sum of rho_j * utility_j over the
projects funded so far, with exact Fraction rho_j). Every rho that decides anything is
recomputed exactly from that form and its float partition of supporters (who pays all,
who pays rho * utility) is verified exactly voter class by voter class when floats are
close; if the float partition is wrong the project is recomputed entirely in Fractions.
So the outcome equals exact arithmetic (pabutools' exact MES).

`add1` completion: rerun MES with every voter's budget raised by `increment` (default one
currency unit), as pabutools' `voter_budget_increment`, until the outcome is exhaustive or
would overspend (then the previous outcome is kept). `fill`: afterwards fund the remaining
projects greedily by total utility per unit of cost while they fit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from pb.tally.compress import Profile
from pb.tally.model import Event, Round, Tie
from pb.tally.rules.base import Options, Outcome, point_matrix
from pb.tally.ties import TieBreak, TieStats

TOL = 1e-6  # relative float tolerance below which comparisons are redone exactly


@dataclass
class _Data:
    """Per-project supporters (distinct-ballot classes) and their utilities."""

    ids: tuple[str, ...]
    costs: list[int]
    weights: np.ndarray  # int64 per class
    matrix: np.ndarray  # (D, K) project index per rank
    pts: np.ndarray  # (D, K) utility per rank (already cost for approval)
    supporters: list[np.ndarray] = field(default_factory=list)
    utils: list[np.ndarray] = field(default_factory=list)
    total_util: list[int] = field(default_factory=list)
    num_voters: int = 0

    def util(self, d: int, c: int) -> int:
        """Utility of class d for project c."""
        return int(self.pts[d][self.matrix[d] == c].sum())


def _prepare(profile: Profile, points: str) -> _Data:
    pts = point_matrix(profile, points)
    m = profile.matrix
    costs = list(profile.costs)
    if profile.kind == "approval":
        pts = np.where(m >= 0, np.array(costs + [0], dtype=np.int64)[m], 0)
    data = _Data(profile.ids, costs, profile.weight_array, m, pts, num_voters=profile.num_voters)
    rows, cols = np.nonzero((m >= 0) & (pts > 0))
    proj = m[rows, cols]
    # group the pairs by project, keeping class order within a project: a stable sort,
    # which NumPy does as a radix sort for 16-bit integers (several times faster)
    small = len(costs) <= np.iinfo(np.int16).max
    order = np.argsort(proj.astype(np.int16) if small else proj, kind="stable")
    rows, proj, util = rows[order], proj[order], pts[rows, cols][order]
    bounds = np.searchsorted(proj, np.arange(len(costs) + 1))
    for c in range(len(costs)):
        s = rows[bounds[c]:bounds[c + 1]]
        u = util[bounds[c]:bounds[c + 1]]
        data.supporters.append(s)
        data.utils.append(u)
        data.total_util.append(_idot(data.weights[s], u))
    return data


def _idot(w: np.ndarray, u: np.ndarray) -> int:
    """Exact integer dot product (int64 when it cannot overflow, else Python ints)."""
    if len(w) == 0:
        return 0
    if int(w.sum()) * max(int(u.max()), 1) < 2**62:
        return int(np.dot(w.astype(np.int64), u.astype(np.int64)))
    return int(np.dot(w.astype(object), u.astype(object)))


class _State:
    """Voter budgets: floats for screening plus the exact closed form."""

    def __init__(self, data: _Data, b0: Fraction) -> None:
        self.data = data
        self.b0 = b0
        self.bf = np.full(len(data.weights), float(b0))
        self.exhausted = np.zeros(len(data.weights), dtype=bool)
        self.funded: list[tuple[int, Fraction]] = []
        self.columns = np.zeros((len(data.weights), 0), dtype=np.int64)
        self.denominator = b0.denominator
        self.num0 = b0.numerator
        self.nums: list[int] = []
        max_util = max((int(u.max()) for u in data.utils if len(u)), default=1)
        # int64 products stay exact while every weighted utility sum is below 2**62
        self.safe = data.num_voters * max_util < 2**62

    def exact_budget(self, d: int) -> Fraction:
        if self.exhausted[d]:
            return Fraction(0)
        return self.b0 - sum((rho * self.data.util(d, c) for c, rho in self.funded), Fraction(0))

    def exact_sum(self, classes: np.ndarray) -> Fraction:
        """Exact total budget of the voters in `classes` (weighted).

        With a common denominator L (b0 = a0/L, rho_j = a_j/L) the sum is one integer
        expression over NumPy integer dot products, divided by L once.
        """
        live = classes[~self.exhausted[classes]]
        w = self.data.weights[live]
        numerator = self.num0 * int(w.sum())
        if self.funded:
            cols = self.columns[live]
            if self.safe:
                paid = w @ cols
                numerator -= sum(a * int(x) for a, x in zip(self.nums, paid.tolist(), strict=True))
            else:
                paid = w.astype(object) @ cols.astype(object)
                numerator -= sum(a * int(x) for a, x in zip(self.nums, paid, strict=True))
        return Fraction(numerator, self.denominator)

    def float_rho(self, c: int) -> float | None:
        """Screening value of rho for project c (None if clearly unaffordable)."""
        s, u = self.data.supporters[c], self.data.utils[c]
        cost = self.data.costs[c]
        w = self.data.weights[s].astype(np.float64)
        b = self.bf[s]
        wb = w * b
        total = wb.sum()
        if total < cost * (1 - TOL):
            return None
        if total < cost * (1 + TOL) and self.exact_sum(s) < cost:
            return None
        uf = u.astype(np.float64)
        ratio = b / uf
        order = np.argsort(ratio, kind="stable")
        wb_sorted = wb[order]
        wu_sorted = (w * uf)[order]
        paid_before = np.concatenate(([0.0], np.cumsum(wb_sorted)[:-1]))
        util_from = wu_sorted[::-1].cumsum()[::-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            rho_k = (cost - paid_before) / util_from
        ok = np.nonzero(rho_k <= ratio[order] * (1 + 1e-12))[0]
        return float(rho_k[ok[0]]) if len(ok) else float(rho_k[-1])

    def exact_rho(self, c: int, rho_f: float | None) -> tuple[Fraction, np.ndarray] | None:
        """Exact rho of project c and the classes that pay everything they have.

        None if c is not affordable.
        """
        s, u = self.data.supporters[c], self.data.utils[c]
        cost = self.data.costs[c]
        b = self.bf[s]
        total = float(np.dot(self.data.weights[s].astype(np.float64), b))
        if total < cost * (1 + TOL) and self.exact_sum(s) < cost:
            return None
        if rho_f is not None:
            payers = b <= rho_f * u  # float guess of who pays everything
            rho = self._rho_for(c, s[payers], s[~payers], cost, u[~payers])
            if rho is not None and self._verify(s, u, payers, rho, float(self.b0)):
                return rho, s[payers]
        return self._exact_slow(c)

    def _rho_for(self, c: int, payers: np.ndarray, rest: np.ndarray, cost: int,
                 rest_u: np.ndarray) -> Fraction | None:
        denominator = _idot(self.data.weights[rest], rest_u)
        if denominator == 0:
            return None
        return (cost - self.exact_sum(payers)) / denominator

    def _verify(self, s: np.ndarray, u: np.ndarray, payers: np.ndarray, rho: Fraction,
                scale: float) -> bool:
        """Check exactly that payers have budget <= rho*u and the others >= rho*u."""
        rho_f = float(rho)
        diff = self.bf[s] - rho_f * u
        tol = TOL * max(scale, rho_f * float(u.max(initial=1)))
        if np.any(payers & (diff > tol)) or np.any(~payers & (diff < -tol)):
            return False
        for i in np.nonzero(np.abs(diff) <= tol)[0]:
            d = int(s[i])
            exact = self.exact_budget(d) - rho * int(u[i])
            if (payers[i] and exact > 0) or (not payers[i] and exact < 0):
                return False
        return True

    def _exact_slow(self, c: int) -> tuple[Fraction, np.ndarray] | None:
        """The textbook walk in Fractions over every supporter class (rarely needed)."""
        s, u = self.data.supporters[c], self.data.utils[c]
        cost = self.data.costs[c]
        w = self.data.weights[s]
        budgets = [self.exact_budget(int(d)) for d in s]
        order = sorted(range(len(s)), key=lambda i: budgets[i] / int(u[i]))
        paid = Fraction(0)
        denominator = _idot(w, u)
        for pos, i in enumerate(order):
            rho = (cost - paid) / denominator
            if rho * int(u[i]) <= budgets[i]:
                return rho, s[np.array(order[:pos], dtype=np.int64)]
            paid += int(w[i]) * budgets[i]
            denominator -= int(w[i]) * int(u[i])
        return None

    def pay(self, c: int, rho: Fraction, payers: np.ndarray) -> None:
        s, u = self.data.supporters[c], self.data.utils[c]
        self.bf[s] = np.maximum(self.bf[s] - float(rho) * u, 0.0)
        self.exhausted[payers] = True
        self.bf[payers] = 0.0
        self.funded.append((c, rho))
        column = np.zeros(len(self.data.weights), dtype=np.int64)
        column[s] = u
        self.columns = np.column_stack([self.columns, column])
        lcm = self.denominator * rho.denominator // math.gcd(self.denominator, rho.denominator)
        factor = lcm // self.denominator
        self.num0 *= factor
        self.nums = [a * factor for a in self.nums]
        self.nums.append(rho.numerator * (lcm // rho.denominator))
        self.denominator = lcm


@dataclass
class _Run:
    winners: list[int]
    rhos: list[Fraction]
    spent: int
    ties: list[Tie]
    complete: bool


def _mes(data: _Data, b0: Fraction, candidates: list[int], tie: TieBreak, stats: TieStats) -> _Run:
    state = _State(data, b0)
    last = {c: data.costs[c] / data.total_util[c] / 1.0 for c in candidates}
    remaining = set(candidates)
    run = _Run([], [], 0, [], True)
    while remaining:
        best = float("inf")
        evaluated: dict[int, float] = {}
        for c in sorted(remaining, key=lambda c: (last[c], c)):
            if last[c] > best * (1 + TOL):
                break  # rho never decreases, so c cannot beat the best this round
            rho = state.float_rho(c)
            if rho is None:
                remaining.discard(c)
                continue
            last[c] = rho
            evaluated[c] = rho
            best = min(best, rho)
        near = [c for c, r in evaluated.items() if r <= best * (1 + TOL)]
        exact: dict[int, tuple[Fraction, np.ndarray]] = {}
        for c in near:
            found = state.exact_rho(c, evaluated[c])
            if found is None:
                remaining.discard(c)
            else:
                exact[c] = found
        if not exact:
            if remaining:
                continue
            break
        low = min(r for r, _ in exact.values())
        tied = sorted(data.ids[c] for c, (r, _) in exact.items() if r == low)
        chosen_id: str | None = tied[0]
        if len(tied) > 1:
            chosen_id, by = tie.pick(tied, stats)
            run.ties.append(Tie(tuple(tied), "equal-shares: equal rho", by, chosen_id))
            if chosen_id is None:
                run.complete = False
                break
        chosen = data.ids.index(chosen_id)
        rho, payers = exact[chosen]
        state.pay(chosen, rho, payers)
        remaining.discard(chosen)
        run.winners.append(chosen)
        run.rhos.append(rho)
        run.spent += data.costs[chosen]
    return run


def run_equal_shares(profile: Profile, options: Options) -> Outcome:
    """Run MES (with the chosen completion and optional greedy fill) on a compressed profile."""
    data = _prepare(profile, options.points)
    stats = profile.tie_stats()
    n = profile.num_voters
    ids = data.ids
    totals = dict(zip(ids, data.total_util, strict=True))
    if n == 0:
        return Outcome((), totals, 0, (), options=_opts(options, profile))
    free = [c for c in range(len(ids)) if data.costs[c] == 0 and data.total_util[c] > 0]
    candidates = [c for c in range(len(ids)) if data.costs[c] > 0 and data.total_util[c] > 0]
    b0 = Fraction(profile.budget, n)
    run = _mes(data, b0, candidates, options.tie, stats)
    steps = 0
    if options.completion == "add1" and run.complete:
        increment = options.increment or 10**profile.money_decimals
        while not _exhaustive(run, candidates, data, profile.budget):
            nxt = _mes(data, b0 + (steps + 1) * increment, candidates, options.tie, stats)
            if nxt.spent > profile.budget:
                break
            run = nxt
            steps += 1
            if not run.complete:
                break
    rounds = [Round(i + 1, (Event("tally.mes.funded_free", {"project": ids[c], "cost": 0}),))
              for i, c in enumerate(free)]
    left = profile.budget
    for c, rho in zip(run.winners, run.rhos, strict=True):
        left -= data.costs[c]
        rounds.append(Round(len(rounds) + 1, (Event("tally.mes.funded", {
            "project": ids[c], "cost": data.costs[c], "rho": rho, "left": left}),)))
    left = profile.budget - run.spent
    if options.completion == "add1":
        rounds.append(Round(len(rounds) + 1, (Event("tally.mes.add1", {
            "steps": steps, "voter_budget": b0 + steps * (options.increment or
                                                          10**profile.money_decimals)}),)))
    winners = [ids[c] for c in free + run.winners]
    ties = list(run.ties)
    complete = run.complete
    if options.fill and complete:
        from pb.tally.rules.greedy import _groups, fund_in_order  # only the fill needs it

        rest = [c for c in candidates if c not in run.winners]
        key = {ids[c]: Fraction(data.total_util[c], data.costs[c]) for c in rest}
        order = sorted(key, key=lambda p: (-key[p], p))
        spent, more, fill_rounds, fill_ties, complete = fund_in_order(
            _groups(order, key), stats, options.tie, left, winners, "tally.mes.fill",
            lambda p: {"utility_per_cost": key[p]}, first_round=len(rounds) + 1)
        winners += more
        rounds += fill_rounds
        ties += fill_ties
        left -= spent
    return Outcome(tuple(winners), totals, profile.budget - left, tuple(rounds), tuple(ties),
                   complete, options=_opts(options, profile))


def _exhaustive(run: _Run, candidates: list[int], data: _Data, budget: int) -> bool:
    left = budget - run.spent
    chosen = set(run.winners)
    return all(data.costs[c] > left for c in candidates if c not in chosen)


def _opts(options: Options, profile: Profile) -> dict[str, object]:
    out = options.public("equal-shares")
    if options.completion == "add1":
        out["increment"] = options.increment or 10**profile.money_decimals
    if profile.kind == "approval":
        out["points"] = "cost"
    return out
