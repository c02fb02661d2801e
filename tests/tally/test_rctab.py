"""IRV/STV against RCTab's expected round-by-round reports (53 regression cases)."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

import pytest

from pb.tally import count
from pb.tally.formats.rctab import read_contest

from .conftest import CONFORMANCE, FULL, nonempty, require

RCTAB = CONFORMANCE / "rctab"
CASES = sorted(p.name for p in RCTAB.iterdir() if p.is_dir()) if RCTAB.exists() else []


def _norm(value: Any) -> Any:
    """Numbers as Decimals (RCTab writes "13914.0000"), transfers compared as sets."""
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items() if k != "config"}
    if isinstance(value, list):
        return [_norm(v) for v in value]
    if isinstance(value, str):
        try:
            return Decimal(value).normalize()
        except InvalidOperation:
            return value
    return value


def _comparable(report: dict[str, Any]) -> dict[str, Any]:
    data = _norm(report)
    for rnd in data["results"]:
        rnd["tallyResults"] = sorted(json.dumps(t, default=str, sort_keys=True)
                                     for t in rnd["tallyResults"])
    return data


def test_all_cases_present() -> None:
    """The conformance data has RCTab's 53 converted cases (6 in the vendored subset)."""
    require(RCTAB)
    assert len(CASES) == (53 if FULL else 6)


@pytest.mark.parametrize("case", nonempty(CASES, "rctab-cases"))
def test_matches_rctab_round_by_round(case: str) -> None:
    """Winners, every round's tallies, thresholds, transfers and inactive ballots equal RCTab's."""
    folder = require(RCTAB / case)
    contest = read_contest(folder)
    rule = "stv" if contest.rules.seats > 1 else "irv"
    result = count(contest, rule=rule)
    expected = sorted(folder.glob("expected_summary*.json"))
    assert len(result.rcv_summaries) == len(expected)
    for ours, path in zip(result.rcv_summaries, expected, strict=True):
        assert _comparable(dict(ours)) == _comparable(json.loads(path.read_text()))
    index = json.loads((RCTAB / "index.json").read_text())
    entry = next(c for c in index["cases"] if c["case"] == case)
    assert set(result.winners) == set(entry["winners"])
