"""Benchmark of pb.tally against pabutools and pyrankvote on the same input.

    .venv/bin/python bench/tally_bench.py [--sizes 10000,100000,1000000] [--timeout 120]

Synthetic elections: 30 projects, ballots of 1 to 5 ranks, Zipf-like skewed popularity,
fixed seed. Plus Kraków 2024 city-wide (65,101 ballots) from the conformance data. Each
reference runs in a child process with a timeout; where both finish the winners must be
equal (the script exits non-zero otherwise). Prints a markdown table to stdout.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pb.tally import Election, Project, count  # noqa: E402
from pb.tally.formats.pabulib import read_pb  # noqa: E402

KRAKOW = ROOT.parent / "shared" / "conformance" / "pabulib-ordinal" / "Poland_Krakow_2024.pb"
K = 5


def synthetic(n: int, seed: int = 2024) -> Election:
    """n ballots over 30 projects, lengths 1-5, popularity weights 1/(i+1)^1.1."""
    rng = random.Random(seed)
    ids = [f"p{i:02d}" for i in range(30)]
    weights = [1 / (i + 1) ** 1.1 for i in range(30)]
    costs = [rng.randrange(20, 200) * 1000 for _ in ids]
    ballots = []
    for _ in range(n):
        length = rng.randint(1, K)
        chosen: list[str] = []
        while len(chosen) < length:
            p = rng.choices(ids, weights)[0]
            if p not in chosen:
                chosen.append(p)
        ballots.append(tuple(chosen))
    projects = tuple(Project(i, c) for i, c in zip(ids, costs, strict=True))
    return Election(projects, sum(costs) // 3, tuple(ballots), max_ranks=K)


# -- references (run in child processes) --------------------------------------------------


def _pabutools_input(e: Election) -> tuple[Any, Any]:
    from pabutools.election import Instance, OrdinalBallot, OrdinalMultiProfile
    from pabutools.election import Project as PabuProject

    projects = {p.id: PabuProject(p.id, p.cost) for p in e.projects}
    instance = Instance(projects.values(), budget_limit=e.budget)
    profile = OrdinalMultiProfile(instance=instance)
    profile.extend(OrdinalBallot([projects[x] for x in b]).frozen() for b in e.ballots)
    return instance, profile


def _points_sat(k: int, times_cost: bool) -> Any:
    from pabutools.election.satisfaction.positionalsatisfaction import PositionalSatisfaction

    def func(ballot: Any, project: Any) -> int:
        if project not in ballot:
            return 0
        value = k - ballot.position(project)
        return value * project.cost if times_cost else value

    class PointsSat(PositionalSatisfaction):
        def __init__(self, instance: Any, profile: Any, ballot: Any) -> None:
            super().__init__(instance, profile, ballot, func, sum)

    return PointsSat


def ref_pabutools_greedy(e: Election) -> list[str]:
    from pabutools.rules import greedy_utilitarian_welfare

    ranked = {x for b in e.ballots for x in b}
    kept = Election(tuple(p for p in e.projects if p.id in ranked), e.budget, e.ballots,
                    e.max_ranks)
    instance, profile = _pabutools_input(kept)
    k = e.max_ranks or max(len(b) for b in e.ballots)
    out = greedy_utilitarian_welfare(instance, profile, sat_class=_points_sat(k, True))
    return [p.name for p in out]


def ref_pabutools_mes(e: Election) -> list[str]:
    from pabutools.rules import method_of_equal_shares

    instance, profile = _pabutools_input(e)
    k = e.max_ranks or max(len(b) for b in e.ballots)
    out = method_of_equal_shares(instance, profile, sat_class=_points_sat(k, False))
    return [p.name for p in out]


def ref_pyrankvote_irv(e: Election) -> list[str]:
    import pyrankvote

    ranked = sorted({x for b in e.ballots for x in b})
    cands = {p: pyrankvote.Candidate(p) for p in ranked}
    ballots = [pyrankvote.Ballot(ranked_candidates=[cands[x] for x in b]) for b in e.ballots]
    return [c.name for c in pyrankvote.instant_runoff_voting(list(cands.values()),
                                                             ballots).get_winners()]


REFS = {"greedy": ("pabutools", ref_pabutools_greedy),
        "equal-shares": ("pabutools", ref_pabutools_mes),
        "irv": ("pyrankvote", ref_pyrankvote_irv)}


def _child(fn: Any, e: Election, queue: Any) -> None:
    start = time.perf_counter()
    winners = fn(e)
    queue.put((time.perf_counter() - start, winners))


def run_reference(fn: Any, e: Election, timeout: float) -> tuple[float | None, list[str] | None]:
    """Run a reference in a forked child; (seconds, winners) or (None, None) on timeout."""
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(fn, e, queue))
    proc.start()
    try:
        seconds, winners = queue.get(timeout=timeout)
    except Exception:  # noqa: BLE001 - queue.Empty on timeout, or the child died
        proc.kill()
        proc.join()
        return None, None
    proc.join()
    return seconds, winners


def ours(e: Election, rule: str) -> tuple[float, list[str]]:
    start = time.perf_counter()
    result = count(e, rule=rule, tie_break="lexicographic")
    return time.perf_counter() - start, list(result.winners)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="seconds per reference run (then reported as timed out)")
    parser.add_argument("--no-krakow", action="store_true")
    args = parser.parse_args()
    inputs: list[tuple[str, Election]] = []
    for size in (int(s) for s in args.sizes.split(",") if s):
        inputs.append((f"synthetic {size:,}", synthetic(size)))
    if not args.no_krakow and KRAKOW.exists():
        inputs.append(("Kraków 2024 (65,101)", read_pb(KRAKOW).election))
    print("| input | rule | pb.tally (s) | reference | reference (s) | speed-up | same winners |")
    print("|---|---|---:|---|---:|---:|---|")
    failed = False
    for label, e in inputs:
        for rule, (ref_name, ref_fn) in REFS.items():
            t_ours, w_ours = ours(e, rule)
            t_ref, w_ref = run_reference(ref_fn, e, args.timeout)
            if t_ref is None:
                ref_cell, speed, same = f"> {args.timeout:.0f} (timeout)", \
                    f"> {args.timeout / t_ours:.0f}×", "n/a"
            else:
                ref_cell, speed = f"{t_ref:.2f}", f"{t_ref / t_ours:.0f}×"
                ok = (w_ours == w_ref) if rule != "irv" else (w_ours[:1] == w_ref[:1])
                same = "yes" if ok else "**NO**"
                failed |= not ok
            print(f"| {label} | {rule} | {t_ours:.2f} | {ref_name} | {ref_cell} | {speed} "
                  f"| {same} |", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
