"""Results and digests stay what they were before the fast `.pb` reader (regression snapshot).

tests/data/snapshot_before.json.gz was recorded by `tests/tally/snapshot.py` from the code
of commit 3cf2f12, before any change of this work, over every conformance file: input and
result SHA-256 and winners of seven counts per file. This test recounts through the
reader the command uses (`read_pb_profile`) and requires the same digests. It says nothing
about whether those results are right (other tests do); it says they did not change.

PB-EAR changed on purpose (the published rule instead of pabutools' truncations): its
entries are compared with `compat="pabutools"`, on winners, rounds and completeness (the
result digest differs because the options now record the compat choice).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from pb.tally import count
from pb.tally.formats.pabulib import read_pb_profile
from pb.tally.formats.rctab import read_contest

from . import snapshot
from .conftest import CONFORMANCE, DATA, FULL, nonempty, require

BEFORE: dict[str, Any] = json.loads(gzip.decompress((DATA / "snapshot_before.json.gz").read_bytes()))
RUNS = {label: (rule, options) for label, rule, options in snapshot.PB_RUNS}


def _files() -> list[str]:
    """Snapshot files present in the conformance data in use (all of them in the full set)."""
    names = sorted({k.split("::")[0] for k in BEFORE})
    return names if FULL else [n for n in names if (CONFORMANCE / n).exists()]


FILES = _files()
SLOW = [pytest.mark.slow] if FULL else []  # the full set takes about two minutes


def test_snapshot_covers_the_data() -> None:
    """The snapshot has entries for every file here, and for all 234 inputs of the full set."""
    assert len({k.split("::")[0] for k in BEFORE}) == 181 + 53
    assert len(FILES) == (181 + 53 if FULL else 10 + 6)


@pytest.mark.parametrize("name", [pytest.param(n, marks=SLOW)
                                  for n in nonempty(FILES, "snapshot-files")])
def test_digests_are_unchanged(name: str) -> None:
    """Every recorded count of the file gives the same input and result SHA-256 as before."""
    path = require(CONFORMANCE / name)
    entries = {k.split("::")[1]: v for k, v in BEFORE.items() if k.split("::")[0] == name}
    if path.is_dir():
        contest = read_contest(path)
        result = count(contest, rule="stv" if contest.rules.seats > 1 else "irv")
        assert (result.input_sha256, result.result_sha256) == (entries["rctab"]["input"],
                                                               entries["rctab"]["result"])
        return
    _, profile = read_pb_profile(Path(path))
    for label, before in entries.items():
        rule, options = RUNS[label]
        if rule == "ear":
            result = count(profile, rule=rule, compat="pabutools", **options)
            assert result.input_sha256 == before["input"], label
            assert [list(result.winners), len(result.rounds), result.complete] == \
                [before["winners"], before["rounds"], before["complete"]], label
            continue
        result = count(profile, rule=rule, **options)
        assert (result.input_sha256, result.result_sha256) == (before["input"],
                                                               before["result"]), label
