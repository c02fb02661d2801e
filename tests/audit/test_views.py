"""The public audit page and the anchors quoted with results: head shown, cycle filter, plain
event lines, clamped pages, and count-revealing details withheld while voting is open."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from pb.audit.models import AuditEvent
from pb.audit.services import head, record
from pb.db import db
from pb.enums import Phase
from pb.lifecycle.services import advance
from pb.voting.services import issue_access_codes, void_batch
from tests.results.conftest import cast_cycle, published  # noqa: F401  (fixtures)
from tests.voting.conftest import voting_cycle  # noqa: F401  (fixture)


def rows(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="event-(\d+)"', html)]


def test_audit_page_shows_the_head_as_an_anchor(client, make):
    """The page shows the newest event's number and full hash, and the verify line to keep."""
    make.cycle()
    newest = head()
    html = client.get("/audit/").get_data(as_text=True)
    assert f'<dd id="head-seq">{newest.seq}</dd>' in html and newest.hash in html
    assert f"pb audit verify --anchor {newest.seq}:{newest.hash}" in html


def test_results_page_and_result_json_quote_the_anchors(published, client, runner, tmp_path):  # noqa: F811
    """The published results page and the downloaded result.json quote the publishing event and
    the head; both are accepted by `verify --anchor`, and the bundle check reads them."""
    cycle, _ = published
    publication = db.session.scalars(select(AuditEvent).filter_by(action="tally.publish")).one()
    newest = head()
    page = client.get(f"/cycles/{cycle.slug}/results").get_data(as_text=True)
    assert f"{publication.seq}:{publication.hash}" in page and f"{newest.seq}:{newest.hash}" in page
    result = json.loads(client.get(f"/cycles/{cycle.slug}/results/result.json").data)
    assert result["audit"] == {"published": f"{publication.seq}:{publication.hash}",
                               "head": f"{newest.seq}:{newest.hash}"}
    ok = runner.invoke(args=["pb", "audit", "verify", "--anchor", result["audit"]["published"],
                             "--anchor", result["audit"]["head"]])
    assert ok.exit_code == 0, ok.output
    # A log cut short before the quoted head no longer matches the bundle.
    for name in ("ballots.pb", "trackers.txt", "result.json"):
        (tmp_path / name).write_bytes(client.get(f"/cycles/{cycle.slug}/results/{name}").data)
    lines = client.get("/audit/export.jsonl").get_data(as_text=True).splitlines()
    (tmp_path / "audit.jsonl").write_text("\n".join(lines[:-1]) + "\n")
    cut = runner.invoke(args=["pb", "audit", "verify", "--file", str(tmp_path / "audit.jsonl"),
                              "--bundle", str(tmp_path)])
    assert cut.exit_code == 1 and f"the log has no event {newest.seq}" in cut.output, cut.output


def test_filter_by_cycle_shows_only_that_cycles_events(client, make):
    """Choosing a cycle lists its events and no other cycle's."""
    first, second = make.cycle(), make.cycle()
    html = client.get(f"/audit/?cycle={first.slug}").get_data(as_text=True)
    mine = set(db.session.scalars(select(AuditEvent.seq).filter_by(cycle_id=first.id)))
    theirs = set(db.session.scalars(select(AuditEvent.seq).filter_by(cycle_id=second.id)))
    assert mine and theirs and set(rows(html)) == mine
    assert client.get("/audit/?cycle=no-such-cycle").status_code == 404


def test_event_lines_are_plain_words_with_links(client, voting_cycle):  # noqa: F811
    """Actions read as plain words in the reader's language, and projects and cycles are links."""
    cycle, ids = voting_cycle
    html = client.get("/audit/").get_data(as_text=True)
    assert "Ballot recorded as voting opened: 4 projects" in html
    assert "Project put on the ballot" in html and f'href="/projects/{ids[0]}"' in html
    assert f'href="/cycles/{cycle.slug}"' in html
    spanish = client.get("/audit/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert 'lang="es"' in spanish or "Registro" in spanish


@pytest.mark.parametrize("page, expected", [("99999", "last"), ("0", "first"), ("-4", "first"),
                                            ("junk", "first"), ("2147483647", "last")])
def test_page_numbers_are_clamped(client, page, expected):
    """A page past the end shows the last page; zero, negative or junk shows the first."""
    for i in range(120):  # three pages of 50
        record("test.event", actor=None, data={"i": i})
    db.session.commit()
    response = client.get(f"/audit/?page={page}")
    assert response.status_code == 200
    shown = rows(response.get_data(as_text=True))
    assert shown == (list(range(20, 0, -1)) if expected == "last" else list(range(120, 70, -1)))


@pytest.mark.parametrize("query", ["action=%00", "object=%00x", "cycle=%00", "action=codes.void%01", "page=%00"])
def test_junk_filters_never_fail(client, make, query):
    """NUL bytes and unknown values in the filters give a page or a clear 400/404, never a 500."""
    make.cycle()
    assert client.get(f"/audit/?{query}").status_code in (200, 400, 404)


def test_count_revealing_details_are_withheld_while_voting(client, voting_cycle, runner, tmp_path):  # noqa: F811
    """While voting is open, a voided code batch's details are hidden on the page and in the
    export (which still verifies); once voting closes they are public."""
    cycle, _ = voting_cycle
    issue_access_codes(actor=None, cycle=cycle, count=30, batch="sheet-7")
    void_batch(actor=None, cycle=cycle, batch="sheet-7")
    db.session.commit()
    void = db.session.scalars(select(AuditEvent).filter_by(action="codes.void")).one()
    html = client.get("/audit/?action=codes.void").get_data(as_text=True)
    assert rows(html) == [void.seq] and "sheet-7" not in html and "hidden until voting closes" in html
    lines = client.get("/audit/export.jsonl").get_data(as_text=True).splitlines()
    exported = json.loads(lines[void.seq - 1])
    assert exported["data"] is None and exported["redacted"] is True and "sheet-7" not in lines[void.seq - 1]
    (tmp_path / "audit.jsonl").write_text("\n".join(lines) + "\n")
    assert runner.invoke(args=["pb", "audit", "verify", "--file", str(tmp_path / "audit.jsonl")]).exit_code == 0
    advance(actor=None, cycle=cycle, current=Phase.voting)
    db.session.commit()
    assert "sheet-7" in client.get("/audit/?action=codes.void").get_data(as_text=True)


def test_every_action_the_code_records_has_a_plain_name():
    """The public log names each event in words, never by its code: every action recorded
    anywhere in pb/ has a label (a new one without a label fails here)."""
    from pathlib import Path

    from pb.audit.labels import ACTION_LABELS

    root = Path(__file__).resolve().parents[2] / "pb"
    recorded = {m for path in root.rglob("*.py")
                for m in re.findall(r'record\(\s*"([a-z_]+\.[a-z_]+)"', path.read_text())}
    assert len(recorded) > 60  # the scan finds the actions at all
    assert sorted(recorded - ACTION_LABELS.keys()) == []
