"""Peak memory (and wall time) of counting 1M ballots with the real command.

    .venv/bin/python bench/tally_memory.py [--ballots 1000000] [--rules greedy,equal-shares,irv]

Writes the synthetic election of bench/tally_bench.py (same generator, same seed) as a pabulib
`.pb` file under /tmp, then runs `python -m pb.tally FILE --rule R --tie-break lexicographic`
once per rule in a fresh child process and reports the child's peak resident set (ru_maxrss
from wait4) and wall time, file reading included. The file is deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from common import log  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--rules", default="greedy,equal-shares,irv")
    args = parser.parse_args()
    from tally_bench import synthetic

    from pb.tally.formats.pabulib import write_pb

    out: dict = {"ballots": args.ballots, "runs": {}}
    with common.temp_dir() as tmp:
        path = tmp / "synthetic.pb"
        log(f"writing {args.ballots:,} synthetic ballots to {path}")
        write_pb(synthetic(args.ballots), path)
        out["file_mb"] = round(path.stat().st_size / 2**20, 1)
        for rule in args.rules.split(","):
            start = time.perf_counter()
            proc = subprocess.Popen([common.PYTHON, "-m", "pb.tally", str(path), "--rule", rule,
                                     "--tie-break", "lexicographic"], cwd=common.ROOT,
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            stdout = proc.stdout.read().decode()
            _, status, usage = os.wait4(proc.pid, 0)
            seconds = time.perf_counter() - start
            winners = [ln.split(".", 1)[1].strip().split()[0] for ln in stdout.splitlines()
                       if ln.strip()[:1].isdigit() and "." in ln]
            out["runs"][rule] = {"exit": os.waitstatus_to_exitcode(status), "seconds_with_file_read": round(seconds, 2),
                                 "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "winners": winners}
            log(f"{rule}: {out['runs'][rule]}")
    print(json.dumps(out, indent=2))
    return 0 if all(r["exit"] == 0 for r in out["runs"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
