"""Close → seal → count → second sign-off → publish, and the public, checkable result."""

import json
import re
import subprocess
import sys

from sqlalchemy import select

from pb.audit.models import AuditEvent
from pb.db import db
from pb.enums import Phase, TallyStatus
from pb.results.models import TallySnapshot
from tests.results.conftest import staff_client


def test_counting_needs_a_second_staff_member_to_publish(app, cast_cycle, make, client):
    """The person who ran the count cannot publish it; until publication the public sees nothing."""
    cycle, _ = cast_cycle
    staff, token = staff_client(app, make)
    staff.post(f"/admin/cycles/{cycle.slug}/advance", data={"csrf_token": token, "current": "voting"})
    staff.post(f"/admin/cycles/{cycle.slug}/count", data={"csrf_token": token})
    snapshot = db.session.scalars(select(TallySnapshot)).one()
    assert snapshot.status == TallyStatus.provisional
    assert client.get(f"/cycles/{cycle.slug}/results").status_code == 404
    refused = staff.post(f"/admin/count/{snapshot.id}/publish", data={"csrf_token": token}, follow_redirects=True)
    assert "second staff member" in refused.get_data(as_text=True)
    db.session.refresh(snapshot)
    assert snapshot.status == TallyStatus.provisional


def test_published_result_page(published, client):
    """Funded projects in order, leftover, points table, plain-language steps, downloads."""
    cycle, ids = published
    page = client.get(f"/cycles/{cycle.slug}/results").get_data(as_text=True)
    funded = re.findall(r'<li><a href="/projects/(\d+)">', page.split('id="funded"')[1].split("</ol>")[0])
    # Points (K=5): P3 = 9*5 = 45, P1 = 7*5 + 3*4 = 47, P2 = 7*4 + 4*5 + 3*3 = 57, P0 = 9*4 + 3*5 = 51.
    # Budget $100k: P2 ($30k), P0 ($10k), P1 ($20k), P3 ($40k) all fit: $100k exactly.
    assert [int(i) for i in funded] == [ids[2], ids[0], ids[1], ids[3]]
    assert "Project 2 was funded with 57 points" in page
    assert 'id="chart"' in page and 'id="points"' in page
    assert "flask --app app pb tally ballots.pb --rule greedy --points fixed" in page
    db.session.refresh(cycle)
    assert cycle.phase == Phase.results


def test_small_groups_are_not_shown_separately(published, client):
    """23 ballots, all online in English: shown; no site group reaches 20, so none is listed."""
    cycle, _ = published
    page = client.get(f"/cycles/{cycle.slug}/results").get_data(as_text=True)
    assert "Online: 23" in page and "English: 23" in page


def test_published_bundle_recounts_identically_in_a_fresh_process(published, client, tmp_path, runner):
    """Download ballots.pb, trackers, result and audit log; recount with the CLI; same digests."""
    cycle, _ = published
    for name in ("ballots.pb", "trackers.txt", "result.json"):
        (tmp_path / name).write_bytes(client.get(f"/cycles/{cycle.slug}/results/{name}").data)
    (tmp_path / "audit.jsonl").write_bytes(client.get("/audit/export.jsonl").data)
    snapshot = db.session.scalars(select(TallySnapshot)).one()
    out = subprocess.run([sys.executable, "-m", "pb.tally", str(tmp_path / "ballots.pb"), "--rule", "greedy",
                          "--points", "fixed", "--tie-break", "lexicographic", "--json", str(tmp_path / "recount.json")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    recount = json.loads((tmp_path / "recount.json").read_text())
    published_result = json.loads((tmp_path / "result.json").read_text())
    assert recount["winners"] == published_result["winners"] == snapshot.result["winners"]
    assert (recount["input_sha256"], recount["result_sha256"]) == (snapshot.input_sha256, snapshot.result_sha256)
    ok = runner.invoke(args=["pb", "audit", "verify", "--file", str(tmp_path / "audit.jsonl"), "--bundle", str(tmp_path)])
    assert ok.exit_code == 0 and "published files match" in ok.output


def test_tampered_published_files_are_reported(published, client, tmp_path, runner):
    """Editing a ballot, dropping a tracker or changing the result in the bundle is caught."""
    cycle, _ = published
    files = {n: client.get(f"/cycles/{cycle.slug}/results/{n}").get_data(as_text=True)
             for n in ("ballots.pb", "trackers.txt", "result.json")}
    (tmp_path / "audit.jsonl").write_bytes(client.get("/audit/export.jsonl").data)
    events = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    seal = next(e["seq"] for e in events if e["action"] == "box.seal")
    publish = next(e["seq"] for e in events if e["action"] == "tally.publish")
    last_vote = files["ballots.pb"].rstrip("\n").rsplit("\n", 1)[1]
    mutations = {
        "ballots.pb": (files["ballots.pb"].replace(last_vote, last_vote.split(";")[0] + ";" + last_vote.split(";")[1].split(",")[0]), seal),
        "trackers.txt": ("\n".join(files["trackers.txt"].split()[1:]), seal),
        "result.json": (files["result.json"].replace('"complete": true', '"complete": false'), publish),
    }
    for name, (changed, seq) in mutations.items():
        for n, text in files.items():
            (tmp_path / n).write_text(changed if n == name else text)
        result = runner.invoke(args=["pb", "audit", "verify", "--file", str(tmp_path / "audit.jsonl"), "--bundle", str(tmp_path)])
        assert result.exit_code == 1 and f"event {seq}" in result.output and name in result.output, (name, result.output)


def test_correction_needs_a_public_reason(app, published, make, client):
    """Counting again after publication needs a reason, which the public page then shows."""
    cycle, _ = published
    staff, token = staff_client(app, make)
    staff.post(f"/admin/cycles/{cycle.slug}/count", data={"csrf_token": token})
    assert db.session.query(TallySnapshot).count() == 1
    staff.post(f"/admin/cycles/{cycle.slug}/count", data={"csrf_token": token, "reason": "Two paper batches were missing."})
    new = db.session.scalars(select(TallySnapshot).filter_by(status=TallyStatus.provisional)).one()
    other, token2 = staff_client(app, make)
    other.post(f"/admin/count/{new.id}/publish", data={"csrf_token": token2})
    assert db.session.scalars(select(TallySnapshot.status).order_by(TallySnapshot.id)).all() == [
        TallyStatus.superseded, TallyStatus.published]
    assert "Two paper batches were missing." in client.get(f"/cycles/{cycle.slug}/results").get_data(as_text=True)


def test_no_count_is_visible_while_voting_is_open(app, cast_cycle, make, client):
    """During voting no public page, download or staff page shows how many ballots there are."""
    cycle, _ = cast_cycle
    staff, _ = staff_client(app, make)
    pages = {url: client.get(url) for url in (
        "/", f"/cycles/{cycle.slug}", f"/cycles/{cycle.slug}/ideas", "/audit/", "/audit/export.jsonl",
        f"/cycles/{cycle.slug}/tracker", f"/cycles/{cycle.slug}/vote")}
    pages |= {url: staff.get(url) for url in (f"/admin/cycles/{cycle.slug}/participation",
                                              f"/admin/cycles/{cycle.slug}/codes", f"/admin/cycles/{cycle.slug}/count")}
    for url, response in pages.items():
        text = re.sub(r"[0-9a-f]{16,}", "", response.get_data(as_text=True))  # drop hashes,
        text = re.sub(r"\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}(:\d{2})?", "", text)  # dates and times
        assert not re.search(r"\b23\b", text), url
    for name in ("ballots.pb", "ballots.csv", "trackers.txt", "result.json"):
        assert client.get(f"/cycles/{cycle.slug}/results/{name}").status_code == 404
    assert client.get(f"/cycles/{cycle.slug}/results").status_code == 404


def test_progress_on_funded_projects(app, published, make, client):
    """Staff post progress on a funded project; its page shows the timeline; bad input is refused."""
    cycle, ids = published
    staff, _ = staff_client(app, make)
    url = f"/projects/{ids[2]}/progress"
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', staff.get(url).get_data(as_text=True)).group(1)
    bad = staff.post(url, data={"csrf_token": token, "status": "in_progress", "percent": "40", "spent": "-5"})
    assert bad.status_code == 400
    ok = staff.post(url, data={"csrf_token": token, "status": "in_progress", "percent": "40",
                               "spent": "12,500.00", "body": "Van leased."})
    assert ok.status_code == 302
    page = client.get(f"/projects/{ids[2]}").get_data(as_text=True)
    assert "40% done" in page and "$12,500.00 spent" in page and "Van leased." in page
    events = db.session.scalars(select(AuditEvent.action).filter_by(action="progress.post")).all()
    assert events == ["progress.post"]
