"""Read the RCTab conformance format: `ballots.jsonl` (one line per distinct ballot with a
count) and `rules.json` (tabulation options with neutral key names)."""

from __future__ import annotations

import json
from pathlib import Path

from pb.tally.errors import TallyError
from pb.tally.rcvmodel import RcvBallot, RcvContest, RcvRules


def parse_ballots(text: str, source: str = "ballots.jsonl") -> tuple[RcvBallot, ...]:
    """Parse JSON-lines ballots: {"ranks": [["A"], [], ["B", "C"]], "count": 3}."""
    out: list[RcvBallot] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            ranks = tuple(tuple(str(m) for m in marks) for marks in data["ranks"])
            count = int(data.get("count", 1))
        except (ValueError, KeyError, TypeError) as exc:
            raise TallyError(f"{source}, line {lineno}: not a ballot ({exc})") from None
        if count < 0:
            raise TallyError(f"{source}, line {lineno}: negative count")
        out.append(RcvBallot(ranks, count))
    return tuple(out)


def read_contest(path: str | Path) -> RcvContest:
    """Read a case directory (or its `ballots.jsonl`, with `rules.json` beside it)."""
    p = Path(path)
    folder = p if p.is_dir() else p.parent
    ballots_path = p if p.is_file() else folder / "ballots.jsonl"
    rules_path = folder / "rules.json"
    if not rules_path.exists():
        raise TallyError(f"{rules_path}: missing rules.json next to the ballots")
    try:
        rules_data = json.loads(rules_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise TallyError(f"{rules_path.name}: not JSON ({exc})") from None
    try:
        rules = RcvRules.from_json(rules_data)
    except (KeyError, TypeError) as exc:
        raise TallyError(f"{rules_path.name}: missing or bad option {exc}") from None
    except TallyError as exc:
        raise TallyError(f"{rules_path.name}: {exc}") from None
    text = ballots_path.read_text(encoding="utf-8")
    return RcvContest(rules, parse_ballots(text, ballots_path.name))
