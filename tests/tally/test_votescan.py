"""The vectorised VOTES scanner reads exactly what the line-by-line reader reads, or refuses.

`read_pb_profile` trusts `scan_votes` for every regular file; anything the scanner might
read differently from `parse_pb` must make it return None (the caller then falls back).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pb.tally import compress
from pb.tally.formats import votescan
from pb.tally.formats.pabulib import read_pb, read_pb_profile

SETTINGS = settings(max_examples=80, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
IDS = ["p1", "p10", "p2", "x", "long-project-id-17", "long-project-id-170", "ąę", "Ü", "12345678"]


def _text(ids: list[str], ballots: list[list[str]], columns: int, vote: int, kind: str,
          blank_every: int, trailing_newline: bool) -> str:
    """A `.pb` file with the vote in column `vote` of `columns`."""
    head = ["META", "key;value", "budget;100", f"vote_type;{kind}", "PROJECTS",
            "project_id;cost"] + [f"{i};{n + 1}" for n, i in enumerate(ids)]
    header = [f"c{c}" for c in range(columns)]
    header[vote] = "vote"
    lines = ["VOTES", ";".join(header)]
    for n, ballot in enumerate(ballots):
        cells = [f"{n},{c}" for c in range(columns)]  # commas outside the vote cell too
        cells[vote] = ",".join(ballot)
        lines.append(";".join(cells))
        if blank_every and n % blank_every == 0:
            lines.append("")
    text = "\n".join(head + lines)
    return text + "\n" if trailing_newline else text


@st.composite
def files(draw: Any) -> tuple[str, str]:
    ids = draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=len(IDS), unique=True))
    ballots = draw(st.lists(st.permutations(ids).flatmap(
        lambda p: st.integers(0, len(p)).map(lambda k, p=p: list(p[:k]))), max_size=40))
    columns = draw(st.integers(1, 4))
    vote = draw(st.integers(0, columns - 1))
    kind = draw(st.sampled_from(["ordinal", "approval"]))
    text = _text(ids, ballots, columns, vote, kind, draw(st.sampled_from([0, 1, 7])),
                 draw(st.booleans()))
    return text, kind


@SETTINGS
@given(files(), st.sampled_from([1, 16, 200, 1 << 20]))
def test_scanner_gives_the_compressed_ballots(tmp_path_factory: Any, case: tuple[str, str],
                                             chunk: int) -> None:
    """Any regular VOTES section, in chunks of any size, gives compress(read_pb)'s ballots."""
    text, _ = case
    path = tmp_path_factory.mktemp("scan") / "e.pb"
    path.write_bytes(text.encode())
    slow = compress(read_pb(path).election)
    data = text.encode()
    header_end = data.find(b"\n", data.index(b"\nVOTES\n") + 7)
    start = len(data) if header_end < 0 else header_end + 1
    header = text[text.index("\nVOTES\n") + 7:].split("\n", 1)[0].split(";")
    old, votescan.CHUNK = votescan.CHUNK, chunk
    try:
        scanned = votescan.scan_votes(data, start, header, list(slow.ids))
    finally:
        votescan.CHUNK = old
    assert scanned is not None
    matrix, weights = scanned
    if slow.kind == "ordinal":  # approval rows are sorted later, by profile_from_matrix
        width = slow.matrix.shape[1]
        padded = np.full((len(matrix), max(width, matrix.shape[1])), -1, dtype=np.int32)
        padded[:, :matrix.shape[1]] = matrix
        assert np.array_equal(padded[:, :width], slow.matrix)
        assert np.array_equal(weights, slow.weight_array)
    assert int(weights.sum()) == slow.num_voters
    _, fast = read_pb_profile(path)
    assert fast.digest() == slow.digest()


GOOD = _text(["a", "b", "c"], [["a", "b"], ["c"], []], 2, 1, "ordinal", 0, True)


@pytest.mark.parametrize(("votes", "why"), [
    ("1;a ,b", "a space after an id"),
    ("1; a", "a space before an id"),
    ("1;a\tb", "a tab inside a vote"),
    ("1;a,,b", "an empty id between two"),
    ("1;a,", "an empty id at the end"),
    ("1;z", "an unknown id"),
    ("1;ab", "an id that only starts with a known one"),
    ("1;a\0", "a zero byte after an id"),
    ("1", "a short line"),
    ("1;a;x", "a long line"),
    ("  ", "a line of spaces"),
])
def test_scanner_refuses_what_it_does_not_read_exactly(tmp_path: Path, votes: str,
                                                       why: str) -> None:
    """An irregular line makes the scanner give up, and the file is still read right."""
    data = (GOOD + votes + "\n").encode()
    start = data.index(b"c0;vote\n") + len(b"c0;vote\n")
    assert votescan.scan_votes(data, start, ["c0", "vote"], ["a", "b", "c"]) is None, why
    path = tmp_path / "odd.pb"
    path.write_bytes(data)
    try:
        expected: Any = compress(read_pb(path).election).digest()
    except ValueError as exc:
        expected = str(exc)
    try:
        got: Any = read_pb_profile(path)[1].digest()
    except ValueError as exc:
        got = str(exc)
    assert got == expected, why


@pytest.mark.parametrize("count", [1, 30, 2100])
def test_id_lookup_finds_every_id_and_nothing_else(count: int) -> None:
    """Ids are found by hash (few ids) or by sorted search (many): exact matches only."""
    ids = sorted(f"p{i}" for i in range(count))
    lookup = votescan._IdLookup(ids)
    assert (lookup.table is not None) == (count < 2048)
    tokens = ids + ["p", f"p{count}", "q1"]
    data = np.frombuffer(",".join(tokens).encode(), dtype=np.uint8)
    lengths = np.array([len(t) for t in tokens])
    starts = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
    assert lookup.find(data, starts[:count], lengths[:count]).tolist() == list(range(count))
    for i in range(count, len(tokens)):
        assert lookup.find(data, starts[i:i + 1], lengths[i:i + 1]) is None, tokens[i]


@pytest.mark.parametrize(("projects", "width"), [(5, 3), (1000, 8), (3, 0)])
def test_distinct_rows_counts_each_ranking_once(projects: int, width: int) -> None:
    """Equal rows merge with their count, in tuple order (-1 first), whether or not a row
    fits one integer key (1000 projects x 8 ranks does not)."""
    from collections import Counter

    from pb.tally.compress import distinct_rows

    rng = np.random.default_rng(7)
    rows = rng.integers(-1, projects, size=(0 if width == 0 else 500, max(width, 1)))
    rows = np.concatenate((rows, rows[:200])).astype(np.int32)  # some rankings repeat
    matrix, counts = distinct_rows(rows)
    expected = sorted(Counter(map(tuple, rows.tolist())).items())
    assert [(tuple(r), c) for r, c in zip(matrix.tolist(), counts.tolist(), strict=True)] \
        == expected


@pytest.mark.parametrize("width", [1, 5, 8, 9, 20])
def test_duplicate_row_finds_the_first_ballot_naming_a_project_twice(width: int) -> None:
    """Few ranks are compared pairwise, many by sorting each row: both find the same row."""
    from pb.tally.compress import duplicate_row

    rng = np.random.default_rng(width)
    rows = np.array([np.concatenate((rng.permutation(40)[:k], np.full(width - k, -1)))
                     for k in rng.integers(0, width + 1, size=300)], dtype=np.int32)
    assert duplicate_row(rows) is None  # -1 padding repeats, and is no project
    if width > 1:
        rows[[120, 250], 1] = rows[[120, 250], 0] = 7
        assert duplicate_row(rows) == 120


@pytest.mark.parametrize("kind", ["ordinal", "approval"])
def test_profile_vote_and_rank_counts_count_voters(kind: str) -> None:
    """votes and rank_counts (used by tie-breaks) count each voter's ballot by hand."""
    from pb.tally import Election, Project

    rng = np.random.default_rng(3)
    ids = ["a", "b", "c", "d", "e"]
    ballots = [tuple(rng.permutation(ids)[:rng.integers(0, 4)].tolist()) for _ in range(300)]
    profile = compress(Election(tuple(Project(i, 1) for i in ids), 3, tuple(ballots),
                                max_ranks=3, kind=kind))  # type: ignore[arg-type]
    if kind == "approval":  # an approval ballot's order carries no meaning
        ballots = [tuple(sorted(b)) for b in ballots]
    for index, project in enumerate(profile.ids):
        by_rank = [sum(1 for b in ballots if r < len(b) and b[r] == project) for r in range(3)]
        assert profile.rank_counts[index] == tuple(by_rank)
        assert profile.votes[index] == sum(1 for b in ballots if project in b)
