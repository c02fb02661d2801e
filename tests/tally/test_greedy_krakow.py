"""Greedy with `length` points against the official Kraków selections and pabulib scores."""

from __future__ import annotations

from pathlib import Path

import pytest

from pb.tally import count

from .conftest import CONFORMANCE, FULL, nonempty, pb_file, require

ORDINAL = CONFORMANCE / "pabulib-ordinal"
FILES = sorted(p.name for p in ORDINAL.glob("*.pb")) if ORDINAL.exists() else []
# (files, files with an official selection): the full shared set, or the vendored subset
EXPECTED = (175, 131) if FULL else (6, 3)


def _has_selected(name: str) -> bool:
    """Cheap header scan, so only files with official selections become test cases."""
    if not (ORDINAL / name).exists():
        return False
    with open(ORDINAL / name, encoding="utf-8-sig") as fh:
        for line in fh:
            if line.startswith("project_id;"):
                return "selected" in line.strip().split(";")
    return False


SELECTED = [f for f in FILES if _has_selected(f)]


def _selected(name: str) -> set[str] | None:
    pb = pb_file(str(ORDINAL / name))
    fields = next(iter(pb.project_fields.values()))
    if "selected" not in fields:
        return None
    return {p for p, f in pb.project_fields.items() if f["selected"].strip() == "1"}


def test_data_is_complete() -> None:
    """The conformance folder has all its ordinal files (175 in the full set, 131 with a
    selected column; 6 and 3 in the vendored subset)."""
    require(ORDINAL)
    assert len(FILES) == EXPECTED[0]
    assert sum(_selected(f) is not None for f in FILES) == len(SELECTED) == EXPECTED[1]


@pytest.mark.parametrize("name", nonempty(FILES, "pabulib-ordinal-files"))
def test_length_points_equal_the_score_column(name: str) -> None:
    """Length-variant points reproduce the pabulib `score` column of every file."""
    pb = pb_file(str(require(ORDINAL / name)))
    result = count(pb.election, rule="greedy", points="length")
    for pid, fields in pb.project_fields.items():
        assert result.totals[pid] == int(fields["score"]), pid


@pytest.mark.parametrize("name", nonempty(SELECTED, "official-selections"))
def test_greedy_length_reproduces_the_official_selection(name: str) -> None:
    """Greedy by length points (ties by more higher ranks) gives Kraków's funded set."""
    require(ORDINAL / name)
    selected = _selected(name)
    assert selected is not None
    pb = pb_file(str(ORDINAL / name))
    result = count(pb.election, rule="greedy", points="length", tie_break="max-higher-ranks")
    assert result.complete
    assert set(result.winners) == selected
    assert result.spent <= result.budget


@pytest.mark.parametrize("name", nonempty(SELECTED, "official-selections"))
def test_without_tie_break_a_tie_is_reported_never_guessed(name: str) -> None:
    """With no tie policy the count is either the official selection or stops at a tie."""
    require(ORDINAL / name)
    selected = _selected(name)
    assert selected is not None
    pb = pb_file(str(ORDINAL / name))
    result = count(pb.election, rule="greedy", points="length")
    if result.complete:
        assert set(result.winners) == selected
    else:
        tie = result.unresolved_tie
        assert tie is not None and len(tie.candidates) >= 2
        assert set(result.winners) <= selected
        assert result.rounds[-1].events[0].key == "tally.greedy.tie_unresolved"


def test_two_official_selections_needed_a_tie_break() -> None:
    """Exactly the two Kraków files with tied points need the higher-ranks tie-break (both
    are in the vendored subset too)."""
    require(ORDINAL)
    tied = []
    for name in FILES:
        if _selected(name) is None:
            continue
        pb = pb_file(str(ORDINAL / name))
        if not count(pb.election, rule="greedy", points="length").complete:
            tied.append(Path(name).stem)
    assert tied == ["Poland_Krakow_2022_Czyzyny", "Poland_Krakow_2024_Krowodrza"]
