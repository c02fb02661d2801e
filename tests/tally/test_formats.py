"""pabulib `.pb` reading and writing, input validation, and the RCTab JSON-lines reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from pb.tally import Election, Project, TallyError, count
from pb.tally.formats.pabulib import format_pb, parse_pb, read_pb
from pb.tally.formats.rctab import parse_ballots

from .conftest import CONFORMANCE, require

GOOD = """META
key;value
description;tiny
budget;100.5
vote_type;ordinal
max_length;3
PROJECTS
project_id;cost;name;category
a;40.25;Park;green
b;60;"Benches; and tables";urban
c;30;Library;culture
VOTES
voter_id;vote;age
1;a,b;30
2;c,a,b;41
3;b;
"""


def test_decimal_costs_are_scaled_to_integers() -> None:
    """Costs and budget share one power-of-ten scale; extra columns are kept as text."""
    pb = parse_pb(GOOD)
    e = pb.election
    assert e.money_decimals == 2
    assert e.budget == 10050
    assert [p.cost for p in e.projects] == [4025, 6000, 3000]
    assert e.projects[1].name == "Benches; and tables"
    assert pb.project_fields["a"]["category"] == "green"
    assert e.max_ranks == 3 and e.kind == "ordinal"


def test_round_trip_keeps_the_election() -> None:
    """Writing and reading back gives the same projects, budget, ballots and result."""
    e = parse_pb(GOOD).election
    again = parse_pb(format_pb(e)).election
    assert again.projects == e.projects
    assert (again.budget, again.money_decimals, again.max_ranks) == (e.budget, 2, 3)
    assert again.ballots == e.ballots
    assert count(again, rule="greedy").result_sha256 == count(e, rule="greedy").result_sha256


def test_round_trip_of_approval_with_counts(tmp_path: Path) -> None:
    """Ballot counts expand to one voter line each and come back as identical ballots."""
    e = Election((Project("x", 5), Project("y", 7)), 10, (("x",), ("x", "y")), counts=(2, 3),
                 kind="approval")
    path = tmp_path / "a.pb"
    path.write_text(format_pb(e))
    back = read_pb(path).election
    assert back.kind == "approval" and back.num_voters == 5
    assert count(back, rule="equal-shares").winners == count(e, rule="equal-shares").winners


def test_round_trip_of_a_real_file(tmp_path: Path) -> None:
    """A Kraków file written back and re-read gives the same input digest."""
    source = require(CONFORMANCE / "pabulib-ordinal" / "Poland_Krakow_2019_Debniki.pb")
    e = read_pb(source).election
    (tmp_path / "k.pb").write_text(format_pb(e))
    back = read_pb(tmp_path / "k.pb").election
    assert count(back, rule="greedy").input_sha256 == count(e, rule="greedy").input_sha256


@pytest.mark.parametrize(("text", "line", "words"), [
    (GOOD.replace("a;40.25;Park", "a;forty;Park"), 9, "not a number"),
    (GOOD.replace("2;c,a,b;41", "2;c,z,b;41"), 15, "unknown project 'z'"),
    (GOOD.replace("2;c,a,b;41", "2;c,a,c;41"), 15, "more than once"),
    (GOOD.replace("c;30;Library;culture", "c;-30;Library;culture"), 11, "negative cost"),
    (GOOD.replace("3;b;", "3;b;;;;"), 16, "fields"),
    (GOOD.replace("budget;100.5", "budget;0"), 4, "budget must be positive"),
    (GOOD.replace("c;30;Library", "a;30;Library"), 11, "listed twice"),
    ("oops\n" + GOOD, 1, "section title"),
])
def test_malformed_files_name_the_line(text: str, line: int, words: str) -> None:
    """A malformed file raises TallyError naming the line."""
    with pytest.raises(TallyError) as err:
        parse_pb(text, source="bad.pb")
    assert f"bad.pb, line {line}" in str(err.value)
    assert words in str(err.value)


def test_missing_section_and_unsupported_vote_type() -> None:
    """Missing sections and vote types other than ordinal/approval are clear errors."""
    with pytest.raises(TallyError, match="missing section VOTES"):
        parse_pb(GOOD.split("VOTES")[0])
    with pytest.raises(TallyError, match="cumulative"):
        parse_pb(GOOD.replace("vote_type;ordinal", "vote_type;cumulative"))


@pytest.mark.parametrize(("ballots", "words"), [
    ((("a", "q"),), "unknown project 'q'"),
    ((("a", "a"),), "more than once"),
    ((("a", "b", "c"),), "more than K = 2"),
])
def test_bad_ballots_are_rejected(ballots: tuple, words: str) -> None:
    """Unknown projects, repeated projects and too many ranks raise TallyError."""
    e = Election((Project("a", 1), Project("b", 1), Project("c", 1)), 5, ballots, max_ranks=2)
    with pytest.raises(TallyError, match=words):
        count(e, rule="greedy")


def test_bad_projects_and_budget_are_rejected() -> None:
    """Negative cost, non-positive budget and duplicate ids raise TallyError (a ValueError)."""
    with pytest.raises(TallyError, match="negative cost"):
        Project("a", -1)
    with pytest.raises(ValueError, match="budget must be positive"):
        Election((Project("a", 1),), 0, ())
    with pytest.raises(TallyError, match="duplicate project id"):
        Election((Project("a", 1), Project("a", 2)), 5, ())
    with pytest.raises(TallyError, match="seeded-lottery tie-break needs"):
        count(Election((Project("a", 1),), 5, (("a",),)), rule="greedy", tie_break="seeded-lottery")


def test_rctab_lines_and_errors() -> None:
    """JSON-lines ballots keep blanks and overvotes; a bad line is named."""
    ballots = parse_ballots('{"ranks":[["A"],[],["B","C"]],"count":3}\n{"ranks":[],"count":1}\n')
    assert ballots[0].ranks == (("A",), (), ("B", "C")) and ballots[0].count == 3
    assert ballots[1].ranks == ()
    with pytest.raises(TallyError, match="ballots.jsonl, line 2"):
        parse_ballots('{"ranks":[["A"]]}\n{"rank":1}\n')


def _case(tmp_path: Path, **extra: object) -> Path:
    import json

    rules = {"case": "t", "seats": 1, "candidates": [{"name": "A"}, {"name": "B"}],
             "threshold_basis": "active_ballots_each_round", "cvr_format": ["ess"], **extra}
    (tmp_path / "rules.json").write_text(json.dumps(rules))
    (tmp_path / "ballots.jsonl").write_text('{"ranks":[["A"]],"count":2}\n'
                                            '{"ranks":[["B"]],"count":1}\n')
    return tmp_path


def test_rctab_rules_with_an_unknown_key_are_rejected(tmp_path: Path) -> None:
    """A misspelt option in rules.json is an error naming the key and the file."""
    from pb.tally.formats.rctab import read_contest

    with pytest.raises(TallyError) as err:
        read_contest(_case(tmp_path, batch_elimnation=True))
    assert "rules.json" in str(err.value) and "'batch_elimnation'" in str(err.value)


def test_rctab_rules_with_documented_keys_are_read(tmp_path: Path) -> None:
    """The documented informational keys are accepted, and the contest counts."""
    from pb.tally.formats.rctab import read_contest

    contest = read_contest(_case(tmp_path, batch_elimination=False))
    assert count(contest, rule="irv").winners == ("A",)


@pytest.mark.parametrize(("name", "text"), [
    ("plain", GOOD.replace('"Benches; and tables"', "Benches")),
    ("quoted field", GOOD),
    ("crlf", GOOD.replace('"Benches; and tables"', "Benches").replace("\n", "\r\n")),
    ("spaces", GOOD.replace("2;c,a,b;41", "2; c, a ,b ;41")),
    ("blank lines and empty votes", GOOD.replace("3;b;", "3;b;\n\n4;;\n5;a,b,c")),
    ("no trailing newline", GOOD.rstrip("\n")),
    ("byte order mark", "\ufeff" + GOOD.replace('"Benches; and tables"', "Benches")),
    ("not ASCII", GOOD.replace('"Benches; and tables"', "Ławki").replace("\na;", "\ną;")
        .replace(";a,", ";ą,").replace(",a,", ",ą,").replace("1;", "wyborca-ż;", 1)),
    ("a line break that str.splitlines knows", GOOD.replace('"Benches; and tables"', "Benches")
        .replace("2;c,a,b;41", "2;c,a,b;4\u20281")),  # the line "1": an empty ballot
    ("approval", GOOD.replace("vote_type;ordinal", "vote_type;approval").replace(
        "3;b;", "3;b,a;\n4;a,b;")),
    ("vote in the last column", GOOD.replace("voter_id;vote;age", "age;voter_id;vote").replace(
        "1;a,b;30", "30;1;a,b").replace("2;c,a,b;41", "41;2;c,a,b").replace("3;b;", ";3;b")),
])
def test_fast_reader_gives_the_same_profile(tmp_path: Path, name: str, text: str) -> None:
    """read_pb_profile gives the Profile (and digest) that compressing read_pb's election gives."""
    import numpy as np

    from pb.tally import compress
    from pb.tally.formats.pabulib import read_pb_profile

    path = tmp_path / "e.pb"
    path.write_bytes(text.encode())
    pb, fast = read_pb_profile(path)
    slow = compress(read_pb(path).election)
    assert np.array_equal(fast.matrix, slow.matrix), name
    assert np.array_equal(fast.weight_array, slow.weight_array)
    assert (fast.max_ranks, fast.kind, fast.budget) == (slow.max_ranks, slow.kind, slow.budget)
    assert fast.digest() == slow.digest()
    assert pb.election.projects == read_pb(path).election.projects


@pytest.mark.parametrize(("text", "line", "words"), [
    (GOOD.replace("2;c,a,b;41", "2;c,z,b;41"), 15, "unknown project 'z'"),
    (GOOD.replace("2;c,a,b;41", "2;c,a,c;41"), 15, "more than once"),
    (GOOD.replace("3;b;", "3;b;;;;"), 16, "fields"),
])
def test_fast_reader_errors_name_the_line(tmp_path: Path, text: str, line: int,
                                          words: str) -> None:
    """Bad votes give the same line-numbered errors through the fast reader."""
    from pb.tally.formats.pabulib import read_pb_profile

    path = tmp_path / "bad.pb"
    path.write_text(text.replace('"Benches; and tables"', "Benches"))
    with pytest.raises(TallyError) as err:
        read_pb_profile(path)
    assert f"bad.pb, line {line}" in str(err.value) and words in str(err.value)


def test_fast_reader_refuses_text_that_is_not_utf8_like_read_pb(tmp_path: Path) -> None:
    """A byte that is not UTF-8 in the VOTES section gives read_pb's error, naming the byte."""
    from pb.tally.formats.pabulib import read_pb_profile

    path = tmp_path / "latin1.pb"
    path.write_bytes(GOOD.replace("2;c,a,b;41", "2\xe9;c,a,b;41").encode("latin-1"))
    with pytest.raises(TallyError) as slow:
        read_pb(path)
    with pytest.raises(TallyError) as fast:
        read_pb_profile(path)
    assert str(fast.value) == str(slow.value) and "not UTF-8" in str(fast.value)


def test_fast_reader_rejects_more_ranks_than_k(tmp_path: Path) -> None:
    """A ballot longer than max_length is an error through the fast reader as well."""
    from pb.tally.formats.pabulib import read_pb_profile

    path = tmp_path / "k.pb"
    path.write_text(GOOD.replace('"Benches; and tables"', "Benches").replace("max_length;3",
                                                                             "max_length;2"))
    with pytest.raises(TallyError, match="more than K = 2"):
        read_pb_profile(path)
