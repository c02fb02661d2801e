"""Counting speed against the reference tools, whole process, same input, same winners.

    .venv/bin/python bench/tally_bench.py [--runs 5] [--irv-ballots 300000] [--mes-ballots 100000]

Issue 21's targets: `python -m pb.tally FILE` (a fresh process: start-up, reading the `.pb`
file, counting, printing) at least 10x faster than pyrankvote for IRV on 300,000 ballots and
at least 20x faster than pabutools for Equal Shares on 100,000 ballots, with the same winners.

Input: the synthetic election below (30 projects, 1-5 ranks, Zipf-like popularity, fixed
seed), written once as a `.pb` file. Each side runs `--runs` times in fresh processes,
alternating, on the same file:

- ours: `python -m pb.tally FILE --rule R --tie-break lexicographic`, wall time;
- reference, whole process: `python bench/tally_bench.py --reference R FILE`, which reads the
  file with a minimal line reader (split on ';' and ','), builds the library's objects and
  runs pyrankvote's `instant_runoff_voting` / pabutools' exact `method_of_equal_shares` (with a
  satisfaction giving our `fixed` points), wall time;
- reference, count only: the time that child spends in the library (objects and rule), so
  the ratio without any start-up or reading on its side is printed too.

Printed per figure: min / median / max over the runs, the ratio of medians (and the range
min/max of the reference over max/min of ours), met or missed. The machine is shared, so
wall time stretches with other people's load; each process's CPU time (user + system, all
threads, from wait4) is printed too, with its ratio of medians, as the steadier figure.
'met' judges the wall-time ratio. Bounded: about a minute. Exits non-zero if winners differ.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

K = 5
TARGETS = {"irv": ("pyrankvote", 10.0), "equal-shares": ("pabutools", 20.0)}


def synthetic(n: int, seed: int = 2024) -> Any:
    """n ballots over 30 projects, lengths 1-5, popularity weights 1/(i+1)^1.1."""
    from pb.tally import Election, Project

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


# -- the reference side (runs in its own process) -----------------------------------------


def read_minimal(path: Path) -> tuple[dict[str, int], int, list[list[str]], int]:
    """(costs, budget, ballots, K) from a .pb file written by format_pb, no validation."""
    costs: dict[str, int] = {}
    budget, k, section, ballots = 0, 0, "", []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if line in ("META", "PROJECTS", "VOTES"):
                section = line
                next(fh)
                continue
            cells = line.split(";")
            if section == "META" and cells[0] in ("budget", "max_length"):
                budget, k = (int(cells[1]), k) if cells[0] == "budget" else (budget, int(cells[1]))
            elif section == "PROJECTS":
                costs[cells[0]] = int(cells[1])
            elif section == "VOTES":
                ballots.append(cells[1].split(",") if cells[1] else [])
    return costs, budget, ballots, k


def reference(rule: str, path: Path) -> dict[str, Any]:
    """Run the reference tool on FILE; returns winners and the seconds spent in the library."""
    costs, budget, ballots, k = read_minimal(path)
    start = time.perf_counter()
    if rule == "irv":
        import pyrankvote

        ranked = sorted({x for b in ballots for x in b})
        cands = {p: pyrankvote.Candidate(p) for p in ranked}
        votes = [pyrankvote.Ballot(ranked_candidates=[cands[x] for x in b]) for b in ballots]
        winners = [c.name for c in pyrankvote.instant_runoff_voting(
            list(cands.values()), votes).get_winners()]
    else:
        from pabutools.election import Instance, OrdinalBallot, OrdinalMultiProfile
        from pabutools.election import Project as PabuProject
        from pabutools.election.satisfaction.positionalsatisfaction import PositionalSatisfaction
        from pabutools.rules import method_of_equal_shares

        projects = {p: PabuProject(p, c) for p, c in costs.items()}
        instance = Instance(projects.values(), budget_limit=budget)
        profile = OrdinalMultiProfile(instance=instance)
        profile.extend(OrdinalBallot([projects[x] for x in b]).frozen() for b in ballots)

        def points(ballot: Any, project: Any) -> int:
            return k - ballot.position(project) if project in ballot else 0

        class Points(PositionalSatisfaction):
            def __init__(self, instance: Any, profile: Any, ballot: Any) -> None:
                super().__init__(instance, profile, ballot, points, sum)

        winners = [p.name for p in method_of_equal_shares(instance, profile, sat_class=Points)]
    return {"winners": winners, "seconds": time.perf_counter() - start}


# -- the driver ---------------------------------------------------------------------------


def python() -> str:
    """The virtualenv's interpreter when there is one."""
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def timed(cmd: list[str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user + system, all threads) and stdout of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    out = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return seconds, usage.ru_utime + usage.ru_stime, out


def run_ours(path: Path, rule: str) -> tuple[float, float, list[str]]:
    """Wall time, CPU time and winners of `python -m pb.tally FILE --rule RULE`."""
    seconds, cpu, out = timed([python(), "-m", "pb.tally", str(path), "--rule", rule,
                               "--tie-break", "lexicographic"])
    winners = [ln.split(".", 1)[1].split()[0] for ln in out.splitlines()
               if ln.startswith("  ") and ln.strip()[:1].isdigit()]
    return seconds, cpu, winners


def run_reference(path: Path, rule: str) -> tuple[float, float, float, list[str]]:
    """Wall time, CPU time, library time and winners of the reference in a fresh process."""
    seconds, cpu, out = timed([python(), str(Path(__file__)), "--reference", rule, str(path)])
    data = json.loads(out)
    return seconds, cpu, data["seconds"], data["winners"]


def spread(values: list[float]) -> str:
    """min / median / max in seconds."""
    return f"{min(values):.3f} / {statistics.median(values):.3f} / {max(values):.3f}"


def ratio(ref: list[float], ours: list[float]) -> tuple[float, str]:
    """Ratio of medians, and its range (slowest ours against fastest reference and back)."""
    mid = statistics.median(ref) / statistics.median(ours)
    return mid, f"{mid:.1f}× ({min(ref) / max(ours):.1f}–{max(ref) / min(ours):.1f})"


def main() -> int:
    """Write the inputs, run both sides alternately, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--irv-ballots", type=int, default=300_000)
    parser.add_argument("--mes-ballots", type=int, default=100_000)
    parser.add_argument("--reference", nargs=2, metavar=("RULE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.reference:
        print(json.dumps(reference(args.reference[0], Path(args.reference[1]))))
        return 0
    import common

    from pb.tally.formats.pabulib import write_pb

    print("| figure | pb.tally whole process (s) min/med/max | reference | reference whole "
          "process (s) | ratio | reference count only (s) | ratio | CPU s, pb.tally / reference "
          "(medians) | CPU ratio | target | met |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    failed = False
    with common.temp_dir() as tmp:
        for rule, n in (("irv", args.irv_ballots), ("equal-shares", args.mes_ballots)):
            path = tmp / f"synthetic_{n}.pb"
            write_pb(synthetic(n), path)
            ours: list[float] = []
            whole: list[float] = []
            inner: list[float] = []
            cpu_ours: list[float] = []
            cpu_ref: list[float] = []
            for _ in range(args.runs):
                t, c, w_ours = run_ours(path, rule)
                ours.append(t)
                cpu_ours.append(c)
                t_ref, c_ref, t_inner, w_ref = run_reference(path, rule)
                whole.append(t_ref)
                cpu_ref.append(c_ref)
                inner.append(t_inner)
                same = w_ours[:1] == w_ref[:1] if rule == "irv" else w_ours == w_ref
                if not same:
                    failed = True
                    common.log(f"{rule}: winners differ: {w_ours} vs {w_ref}")
            name, target = TARGETS[rule]
            r_whole, r_whole_text = ratio(whole, ours)
            _, r_inner_text = ratio(inner, ours)
            cpu_mid = statistics.median(cpu_ours), statistics.median(cpu_ref)
            print(f"| {rule}, {n:,} ballots | {spread(ours)} | {name} | {spread(whole)} | "
                  f"{r_whole_text} | {spread(inner)} | {r_inner_text} | "
                  f"{cpu_mid[0]:.3f} / {cpu_mid[1]:.3f} | {cpu_mid[1] / cpu_mid[0]:.1f}× | "
                  f"≥ {target:.0f}× | {'met' if r_whole >= target else '**missed**'} |",
                  flush=True)
    print("\nratio = reference median / pb.tally median (range: fastest reference / slowest "
          "pb.tally – slowest reference / fastest pb.tally); 'met' judges the whole-process "
          f"ratio of medians; {args.runs} runs each; winners identical in every run"
          + ("" if not failed else " EXCEPT WHERE LOGGED"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
