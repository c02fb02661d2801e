"""Equal shares against the pabutools and equalshares.net references."""

from __future__ import annotations

import json

import pytest

from pb.tally import count

from .conftest import CONFORMANCE, nonempty, pb_file, require

ES = CONFORMANCE / "equalshares"
TIES = {"maxVotes": "max-votes", "minCost": "min-cost", "maxCost": "max-cost"}


def _load(name: str) -> dict:
    return json.loads(require(ES / name).read_text())


def _fixture(key: str) -> str:
    return str(ES / key.removeprefix("test/fixtures/"))


def _cases(name: str) -> list[str]:
    return nonempty(sorted(json.loads((ES / name).read_text())) if (ES / name).exists() else [],
                    name)


@pytest.mark.parametrize("key", _cases("pabutools_reference.json"))
def test_mes_equals_pabutools_cost_utilities(key: str) -> None:
    """MES with cost utilities funds pabutools' projects on the real approval files."""
    ref = _load("pabutools_reference.json")[key]
    election = pb_file(_fixture(key)).election
    result = count(election, rule="equal-shares", tie_break="lexicographic")
    assert sorted(result.winners) == sorted(ref["winners"])
    assert result.spent == ref["total_cost"]
    assert result.budget == int(ref["budget_limit"])


@pytest.mark.parametrize("key", _cases("pabutools_ordinal_reference.json"))
def test_mes_equals_pabutools_borda(key: str) -> None:
    """MES with pabutools' Borda utilities (L - r) funds pabutools' projects."""
    ref = _load("pabutools_ordinal_reference.json")[key]
    election = pb_file(_fixture(key)).election
    result = count(election, rule="equal-shares", points="borda", tie_break="lexicographic")
    assert sorted(result.winners) == sorted(ref["winners"])


def _web_cases() -> list[tuple[str, str]]:
    """Every reference case whose options we implement; the "comparison" step of
    equalshares.net (a satisfaction/exhaustiveness vote between outcomes) is not implemented,
    so those cases are left out here and listed in docs/COUNTING.md."""
    if not ES.exists():
        return []
    cases = [(source, k) for source in ("js_reference.json", "pb_reference.json") for k in _cases(source)]
    return [(s, k) for s, k in cases if _load(s)[k]["params"]["comparison"] == "none"]


def test_reference_cases_present() -> None:
    """The equalshares.net and pabutools references have cases for the files we hold."""
    for name in ("js_reference.json", "pb_reference.json", "pabutools_reference.json",
                 "pabutools_ordinal_reference.json"):
        assert _load(name), name


# equalshares.net breaks ties in its utilitarian fill by project order, not by the
# tie-breaking setting; on Budapest that fill meets a three-way tie (31 votes each).
FILL_ORDER = {"hungary_budapest_2024.pb::utilitarian_floats_tie"}


@pytest.mark.parametrize(("source", "key"), _web_cases())
def test_mes_equals_equalshares_net(source: str, key: str) -> None:
    """Winners in selection order equal the equalshares.net tool for each completion."""
    case = _load(source)[key]
    params = case["params"]
    fixture = case.get("fixture", "poland_wieliczka_2023_green-budget.pb")
    path = ES / fixture if fixture.startswith("poland_wieliczka") else ES / "pb" / fixture
    tie = ",".join(TIES[t] for t in params["tieBreaking"]) or None
    completion = "add1" if params["completion"].startswith("add1") else "none"
    fill = params["completion"] in ("utilitarian", "add1u")
    if key in FILL_ORDER:
        tie = "lexicographic"  # project order in this file = id order
    result = count(pb_file(str(path)).election, rule="equal-shares", tie_break=tie,
                   completion=completion, fill=fill, increment=params["increment"])
    if "error" in case:
        tie_found = result.unresolved_tie
        assert not result.complete and tie_found is not None
        assert all(p in case["error"] for p in tie_found.candidates)
        return
    assert result.complete
    assert list(result.winners) == case["result"]["winners"]
    assert result.spent == case["result"]["totalCost"]


def test_fill_tie_on_budapest_is_decided_by_the_policy() -> None:
    """With maxVotes,maxCost our fill follows the policy where equalshares.net used file order."""
    case = _load("pb_reference.json")["hungary_budapest_2024.pb::utilitarian_floats_tie"]
    election = pb_file(str(ES / "pb" / "hungary_budapest_2024.pb")).election
    result = count(election, rule="equal-shares", tie_break="max-votes,max-cost", fill=True)
    expected = case["result"]["winners"]
    assert list(result.winners[:-1]) == expected[:-2]
    assert result.ties[-1].candidates == ("559", "573", "598")
    assert result.ties[-1].resolved_by == "max-cost"
