"""Whole-process time and peak memory of counting 1M ballots with the real command.

    .venv/bin/python bench/tally_memory.py [--ballots 1000000] [--runs 5] [--rules greedy,equal-shares,irv]

Issue 21's targets: `python -m pb.tally FILE --rule R` on 1,000,000 ballots in at most 2 s
wall time and 300 MB peak resident memory, for greedy, Equal Shares and IRV.

Writes the synthetic election of bench/tally_bench.py (same generator, same seed) as a `.pb`
file under /tmp, then per rule runs, alternating, `--runs` times each in fresh processes:

- ours: `python -m pb.tally FILE --rule R --tie-break lexicographic`;
- baseline: the path the command took before this work (`read_pb` into one tuple per voter,
  then `count` on the Election), so each figure is also printed as a ratio to it.

Reports min / median / max wall time, the median CPU time (user + system, all threads; the
steadier figure on a shared machine) and the largest peak RSS (ru_maxrss from wait4, file
reading included), met or missed on wall time and memory. The file is deleted afterwards.
About two minutes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from common import log  # noqa: E402

SECONDS, MEGABYTES = 2.0, 300.0
BASELINE = ("import sys; from pb.tally import count; from pb.tally.formats.pabulib import read_pb; "
            "r = count(read_pb(sys.argv[1]).election, rule=sys.argv[2], "
            "tie_break='lexicographic'); print(r.result_sha256)")


def measure(cmd: list[str]) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds (user + system), peak RSS in MB and stdout of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=common.ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    out = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out


def main() -> int:
    """Write the file, run both sides, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rules", default="greedy,equal-shares,irv")
    args = parser.parse_args()
    from tally_bench import synthetic

    from pb.tally.formats.pabulib import write_pb

    print("| rule | pb.tally wall (s) min/med/max | pb.tally CPU (s) median | peak RSS (MB) | "
          "baseline wall (s) min/med/max | baseline RSS (MB) | time ratio | memory ratio | "
          "≤ 2 s | ≤ 300 MB |")
    print("|---|---|---:|---:|---|---:|---:|---:|---|---|")
    ok = True
    with common.temp_dir() as tmp:
        path = tmp / "synthetic.pb"
        log(f"writing {args.ballots:,} synthetic ballots to {path}")
        write_pb(synthetic(args.ballots), path)
        for rule in args.rules.split(","):
            ours, cpu, base, rss, base_rss = [], [], [], [], []
            for _ in range(args.runs):
                t, c, m, out = measure([common.PYTHON, "-m", "pb.tally", str(path), "--rule",
                                        rule, "--tie-break", "lexicographic"])
                ours.append(t)
                cpu.append(c)
                rss.append(m)
                t, _, m, digest = measure([common.PYTHON, "-c", BASELINE, str(path), rule])
                base.append(t)
                base_rss.append(m)
                if f"result sha256: {digest.strip()}" not in out:
                    log(f"{rule}: result digest differs from the baseline")
                    ok = False
            mid = statistics.median(ours)
            fast, small = mid <= SECONDS, max(rss) <= MEGABYTES
            print(f"| {rule} | {min(ours):.2f} / {mid:.2f} / {max(ours):.2f} | "
                  f"{statistics.median(cpu):.2f} | {max(rss):.0f} | "
                  f"{min(base):.2f} / {statistics.median(base):.2f} / {max(base):.2f} | "
                  f"{max(base_rss):.0f} | {statistics.median(base) / mid:.1f}× faster | "
                  f"{max(base_rss) / max(rss):.1f}× smaller | {'met' if fast else '**missed**'} | "
                  f"{'met' if small else '**missed**'} |", flush=True)
    print(f"\n{args.ballots:,} ballots, {args.runs} runs per side; 'met' judges the median "
          "time and the largest peak RSS; the result digest equals the baseline's in every run"
          + ("" if ok else " EXCEPT WHERE LOGGED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
