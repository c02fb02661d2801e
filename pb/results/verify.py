"""Check sealed boxes and published bundles against the digests in the audit log."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from pb.audit.models import AuditEvent
from pb.db import db
from pb.tally import count
from pb.tally.digest import sha256_of
from pb.tally.formats.pabulib import parse_pb
from pb.voting.models import Ballot
from pb.voting.seal import canonical_ballots


def broken_seals() -> list[int]:
    """Sequence numbers of `box.seal` events whose ballots no longer hash to the sealed digest."""
    broken = []
    for event in db.session.scalars(select(AuditEvent).filter_by(action="box.seal").order_by(AuditEvent.seq)):
        cycle_id = int(event.object_id)
        rankings = db.session.scalars(select(Ballot.ranking).filter_by(cycle_id=cycle_id))
        trackers = db.session.scalars(select(Ballot.tracker).filter_by(cycle_id=cycle_id))
        if (sha256_of(canonical_ballots(rankings)) != event.data["ballots_sha256"]
                or sha256_of(sorted(trackers)) != event.data["trackers_sha256"]):
            broken.append(event.seq)
    return broken


def bundle_problems(folder: str | Path, events: list[dict]) -> list[str]:
    """Compare a downloaded results bundle (ballots.pb, trackers.txt, result.json) with the
    last seal and publication in `events` (the exported audit log). No database needed."""
    folder = Path(folder)
    seal = _last(events, "box.seal")
    published = _last(events, "tally.publish")
    if seal is None or published is None:
        return ["the audit log has no sealed box and published result"]
    problems = []
    election = parse_pb((folder / "ballots.pb").read_text(encoding="utf-8")).election
    if sha256_of(canonical_ballots(election.ballots)) != seal["data"]["ballots_sha256"]:
        problems.append(f"ballots.pb does not match the sealed box (event {seal['seq']})")
    trackers = [t for t in (folder / "trackers.txt").read_text(encoding="utf-8").split() if t]
    if sha256_of(sorted(trackers)) != seal["data"]["trackers_sha256"]:
        problems.append(f"trackers.txt does not match the sealed box (event {seal['seq']})")
    result = json.loads((folder / "result.json").read_text(encoding="utf-8"))
    body = {k: v for k, v in result.items() if k not in ("result_sha256", "rctab_summaries")}
    if sha256_of(body) != published["data"]["result_sha256"]:
        problems.append(f"result.json does not match the published result (event {published['seq']})")
    options = {k: v for k, v in result["options"].items() if k in ("points", "completion", "increment", "fill", "seats")}
    recount = count(election, rule=result["rule"], tie_break=result["tie_break"], **options)
    if recount.result_sha256 != published["data"]["result_sha256"]:
        problems.append(f"recounting ballots.pb gives a different result (event {published['seq']})")
    return problems


def _last(events: list[dict], action: str) -> dict | None:
    return next((e for e in reversed(events) if e["action"] == action), None)
