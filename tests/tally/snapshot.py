"""Regression snapshot: the digests every conformance file produces, recorded before a change.

    .venv/bin/python -m tests.tally.snapshot OUT.json.gz [--only NAME,...]

For every `.pb` file of the conformance data (pabulib-ordinal and equalshares) and every
RCTab case it counts the fixed list of rule/option combinations below and records the input
and result SHA-256 and the winners. `tests/tally/test_snapshot.py` recomputes them and
requires identical digests: this is the "results do not change" guarantee of a refactoring
(e.g. a faster parser), not a statement that the recorded results are right.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path
from typing import Any

# (label, rule, options) counted on every .pb file
PB_RUNS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("greedy-length-mhr", "greedy", {"points": "length", "tie_break": "max-higher-ranks"}),
    ("greedy-fixed", "greedy", {"points": "fixed"}),
    ("mes-fixed-lex", "equal-shares", {"points": "fixed", "tie_break": "lexicographic"}),
    ("mes-add1-lex", "equal-shares", {"completion": "add1", "tie_break": "lexicographic"}),
    ("irv-lex", "irv", {"tie_break": "lexicographic"}),
    ("ear-lex", "ear", {"tie_break": "lexicographic"}),
)
# add1 with a one-unit step takes too many reruns on the large approval budgets
# (and ear needs ranked ballots)
SKIP_APPROVAL = {"mes-add1-lex", "ear-lex"}


def pb_files(root: Path) -> list[Path]:
    """Every .pb file of the conformance data, in a stable order."""
    return sorted(root.glob("pabulib-ordinal/*.pb")) + sorted(root.glob("equalshares/**/*.pb"))


def rctab_cases(root: Path) -> list[Path]:
    """Every RCTab case directory."""
    base = root / "rctab"
    return sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else []


def run_pb(path: Path, label: str, rule: str, options: dict[str, Any]) -> dict[str, Any]:
    """Count one .pb file the way the snapshot does (through the file reader)."""
    from pb.tally import count
    from pb.tally.formats.pabulib import read_pb

    result = count(read_pb(path).election, rule=rule, **options)
    return {"input": result.input_sha256, "result": result.result_sha256,
            "winners": list(result.winners), "rounds": len(result.rounds),
            "complete": result.complete}


def run_rctab(path: Path) -> dict[str, Any]:
    """Count one RCTab case with its rules."""
    from pb.tally import count
    from pb.tally.formats.rctab import read_contest

    contest = read_contest(path)
    result = count(contest, rule="stv" if contest.rules.seats > 1 else "irv")
    return {"input": result.input_sha256, "result": result.result_sha256,
            "winners": list(result.winners)}


def key(root: Path, path: Path, label: str) -> str:
    """Snapshot key: path relative to the conformance root, then the run label."""
    return f"{path.relative_to(root).as_posix()}::{label}"


def main() -> int:
    """Write the snapshot of every conformance file to OUT (gzip JSON)."""
    from tests.tally.conftest import CONFORMANCE

    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    out: dict[str, Any] = {}
    for path in pb_files(CONFORMANCE):
        approval = "vote_type;approval" in path.read_text(encoding="utf-8-sig")[:4000]
        for label, rule, options in PB_RUNS:
            if approval and label in SKIP_APPROVAL:
                continue
            out[key(CONFORMANCE, path, label)] = run_pb(path, label, rule, options)
        print(path.name, file=sys.stderr, flush=True)
    for case in rctab_cases(CONFORMANCE):
        out[key(CONFORMANCE, case, "rctab")] = run_rctab(case)
    with gzip.open(args.out, "wt", encoding="utf-8") as fh:
        json.dump(out, fh, sort_keys=True, indent=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
