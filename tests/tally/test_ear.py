"""PB-EAR on the ordinal conformance files against pabutools' pb_ear."""

from __future__ import annotations

import pytest

from pb.tally import count

from .conftest import CONFORMANCE, pb_file, require
from .test_properties import run_pb_ear

FILES = ["synthetic_ordinal.pb", "synthetic_ordinal_2.pb"]


@pytest.mark.parametrize("name", FILES)
def test_ear_equals_pabutools_on_ordinal_files(name: str) -> None:
    """With ties broken lexicographically on both sides the selection order is identical."""
    election = pb_file(str(require(CONFORMANCE / "equalshares" / "pb_ordinal" / name))).election
    result = count(election, rule="ear", tie_break="lexicographic")
    assert list(result.winners) == run_pb_ear(election)


@pytest.mark.parametrize("name", FILES)
def test_ear_reports_the_tie_pabutools_resolves_arbitrarily(name: str) -> None:
    """Several projects reach their quota at depth 1: without a policy that is reported."""
    election = pb_file(str(require(CONFORMANCE / "equalshares" / "pb_ordinal" / name))).election
    result = count(election, rule="ear")
    assert not result.complete
    assert result.unresolved_tie is not None and len(result.unresolved_tie.candidates) > 1
