"""The evidence the public relies on, recorded in the audit chain and checked against the tables.

Three kinds of record: `ballot.freeze` (the ballot as it stood when voting opened: every
project's id, cost, title and summary in every language, and the counting rules), `box.seal`
(the digests of the sealed ballots and trackers) and `tally.run`/`tally.publish` (the digest of
each result snapshot: winners, amounts, rule, tie-break). `evidence_problems()` recomputes each
from the tables and names the first difference; anchors (pb.audit.services) catch an insider
who rewrites the records and the chain together.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from pb.audit.models import AuditEvent
from pb.audit.services import anchor_problems, parse_anchor, record
from pb.cycles.models import Cycle
from pb.db import db
from pb.i18n.models import ContentTranslation
from pb.proposals.queries import ballot_projects
from pb.results.models import TallySnapshot
from pb.results.tally import count_options, election_for
from pb.tally import TallyError, count
from pb.tally.compress import compress
from pb.tally.digest import sha256_of
from pb.tally.formats.pabulib import parse_pb
from pb.voting.models import Ballot, Tracker
from pb.voting.seal import canonical_ballots, turnout_groups

TEXT_FIELDS = ("title", "summary")
CYCLE_FIELDS = ("title", "description")
RULE_FIELDS = ("budget_cents", "currency", "rule", "rule_params", "tie_break", "tie_seed", "max_ranks")
# Keys of a result.json that its digest does not cover: the digest itself, the RCTab-format
# summaries (derived from the rounds) and the audit anchors quoted when the file was downloaded.
UNHASHED_RESULT_KEYS = ("result_sha256", "rctab_summaries", "audit")


# ---- the ballot as it stood when voting opened -------------------------------------------

def _texts(object_type: str, objects: list, fields: tuple[str, ...]) -> dict[int, dict]:
    """{id: {field: {locale: text}}}: each object's original texts and every stored translation."""
    texts = {o.id: {f: {o.locale: getattr(o, f)} for f in fields} for o in objects}
    rows = db.session.execute(select(ContentTranslation.object_id, ContentTranslation.field,
                                     ContentTranslation.locale, ContentTranslation.text).where(
        ContentTranslation.object_type == object_type, ContentTranslation.field.in_(fields),
        ContentTranslation.object_id.in_(list(texts))))
    for object_id, field, locale, text in rows:
        texts[object_id][field].setdefault(locale, text)
    return texts


def ballot_as_it_stands(cycle: Cycle) -> dict:
    """Every ballot project's id, cost and texts in every language, the counting rules, and the
    cycle's own title, description and area names in every language."""
    projects = ballot_projects(cycle)
    texts = _texts("Project", projects, TEXT_FIELDS)
    areas = sorted(cycle.areas, key=lambda a: a.id)
    area_names = _texts("Area", areas, ("name",))
    return {"rules": {f: getattr(cycle, f) for f in RULE_FIELDS},
            "cycle": _texts("Cycle", [cycle], CYCLE_FIELDS)[cycle.id],
            "areas": [{"id": a.id, **area_names[a.id]} for a in areas],
            "projects": [{"id": p.id, "cost_cents": p.cost_cents, "locale": p.locale, **texts[p.id]}
                         for p in sorted(projects, key=lambda p: p.id)]}


def freeze_ballot(*, actor, cycle: Cycle) -> AuditEvent:
    """Record the ballot as voting opens (called by pb.lifecycle), so later changes to a cost,
    a text or the counting rules can be found by `pb audit verify`."""
    ballot = ballot_as_it_stands(cycle)
    return record("ballot.freeze", actor=actor, obj=cycle,
                  data={"ballot_sha256": sha256_of(ballot), "ballot": ballot})


def _ballot_problems(event: AuditEvent) -> list[str]:
    recorded = event.data.get("ballot") or {}
    where = f"the ballot recorded at event {event.seq}"
    if sha256_of(recorded) != event.data.get("ballot_sha256"):
        return [f"event {event.seq}: the recorded ballot does not match its own digest"]
    cycle = db.session.get(Cycle, int(event.object_id))
    if cycle is None:
        return [f"cycle {event.object_id} of {where} no longer exists"]
    now = ballot_as_it_stands(cycle)
    problems = [f"cycle {cycle.id} {f.replace('_', ' ')} differs from {where}"
                for f in RULE_FIELDS if now["rules"].get(f) != recorded.get("rules", {}).get(f)]
    if "cycle" in recorded:  # ballots recorded before the cycle's texts were have neither
        problems += [f"cycle {cycle.id} {field} ({locale}) differs from {where}"
                     for field in CYCLE_FIELDS for locale in _changed(now["cycle"][field], recorded["cycle"].get(field))]
        if [a["id"] for a in now["areas"]] != [a["id"] for a in recorded.get("areas", [])]:
            problems.append(f"cycle {cycle.id} areas differ from {where}")
        else:
            problems += [f"area {a['id']} name ({locale}) differs from {where}"
                         for a, kept in zip(now["areas"], recorded["areas"], strict=True)
                         for locale in _changed(a["name"], kept["name"])]
    current = {p["id"]: p for p in now["projects"]}
    for kept in recorded.get("projects", []):
        project = current.pop(kept["id"], None)
        if project is None:
            problems.append(f"project {kept['id']} is no longer on {where}")
            continue
        if project["cost_cents"] != kept["cost_cents"]:
            problems.append(f"project {kept['id']} cost differs from {where}")
        problems += [f"project {kept['id']} {field} ({locale}) differs from {where}"
                     for field in TEXT_FIELDS for locale in _changed(project[field], kept[field])]
    problems += [f"project {pid} is on the ballot but not in {where}" for pid in sorted(current)]
    return problems


def _changed(now: dict, kept: dict | None) -> list[str]:
    """The languages whose text differs between two {locale: text} records."""
    kept = kept or {}
    return [locale for locale in sorted(set(now) | set(kept)) if now.get(locale) != kept.get(locale)]


def broken_seals() -> list[int]:
    """Sequence numbers of `box.seal` events whose ballots no longer hash to the sealed digests
    (rankings, trackers, and the channel, site and language groups turnout is counted from)."""
    broken = []
    for event in db.session.scalars(select(AuditEvent).filter_by(action="box.seal").order_by(AuditEvent.seq)):
        cycle_id = int(event.object_id)
        rankings = db.session.scalars(select(Ballot.ranking).filter_by(cycle_id=cycle_id))
        trackers = db.session.scalars(select(Tracker.code).filter_by(cycle_id=cycle_id))
        if (sha256_of(canonical_ballots(rankings)) != event.data["ballots_sha256"]
                or sha256_of(sorted(trackers)) != event.data["trackers_sha256"]
                or ("groups_sha256" in event.data  # seals recorded before it have none
                    and sha256_of(turnout_groups(cycle_id)) != event.data["groups_sha256"])):
            broken.append(event.seq)
    return broken


def unmarked_ballots(event: AuditEvent) -> list[str]:
    """The seal found channels with more ballots than voters marked in them (pb.voting.seal)."""
    return [f"event {event.seq}: the box held {channel} ballots that no voter marked as voting {channel} cast "
            f"(ballots added outside voting)" for channel in event.data.get("ballots_without_voters", [])]


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
    try:
        kept = [parse_anchor(text) for text in (result.get("audit") or {}).values()]
    except ValueError as error:
        kept, problems = [], [*problems, f"result.json: {error}"]
    problems += [f"result.json {p}" for p in anchor_problems(kept, {e["seq"]: e["hash"] for e in events})]
    body = {k: v for k, v in result.items() if k not in UNHASHED_RESULT_KEYS}
    if sha256_of(body) != published["data"]["result_sha256"]:
        problems.append(f"result.json does not match the published result (event {published['seq']})")
    options = {k: v for k, v in result["options"].items() if k in ("points", "completion", "increment", "fill", "seats")}
    recount = count(election, rule=result["rule"], tie_break=result["tie_break"], **options)
    if recount.result_sha256 != published["data"]["result_sha256"]:
        problems.append(f"recounting ballots.pb gives a different result (event {published['seq']})")
    return problems


# ---- the sealed box and the result snapshots ----------------------------------------------

def _snapshot_problems(snapshot: TallySnapshot, runs: list[AuditEvent], publications: list[AuditEvent]) -> list[str]:
    """A snapshot must hash to a digest the chain recorded when it was counted (and published)."""
    body = {k: v for k, v in snapshot.result.items() if k not in UNHASHED_RESULT_KEYS}
    digest = sha256_of(body)
    name = f"result snapshot {snapshot.id}"
    if snapshot.published_at is not None:
        if not any(e.data.get("result_sha256") == digest for e in publications):
            event = f" (event {publications[-1].seq})" if publications else ""
            return [f"{name} differs from its published digest{event}"]
    elif not any(e.data.get("result_sha256") == digest for e in runs):
        return [f"{name} differs from the digest recorded when it was counted"]
    if snapshot.result_sha256 != digest:
        return [f"{name} stored digest differs from its contents"]
    if (snapshot.rule, snapshot.tie_break) != (body.get("rule"), body.get("tie_break")):
        return [f"{name} rule or tie-break differs from its published digest"]
    return []


def _result_problems(cycle_id: int, events: list[AuditEvent]) -> list[str]:
    runs = [e for e in events if e.action == "tally.run"]
    publications = [e for e in events if e.action == "tally.publish"]
    snapshots = db.session.scalars(select(TallySnapshot).filter_by(cycle_id=cycle_id).order_by(TallySnapshot.id))
    problems = [p for s in snapshots for p in _snapshot_problems(s, runs, publications)]
    cycle = db.session.get(Cycle, cycle_id)
    if publications and cycle is not None and not problems:
        problems += _recount_problems(cycle, publications[-1])
    return problems


def _recount_problems(cycle: Cycle, published: AuditEvent) -> list[str]:
    """Count the sealed box again with the recorded rules: a forged publication (a new event
    with a correct hash) or rewritten ballots give a different input or result digest."""
    try:
        election = election_for(cycle)
        box, result = compress(election).digest(), count(election, **count_options(cycle)).result_sha256
    except TallyError as error:
        return [f"the sealed ballots of cycle {cycle.id} can no longer be counted: {error}"]
    if box != published.data.get("input_sha256"):
        return [f"the sealed ballots of cycle {cycle.id} differ from the input counted for the result "
                f"published at event {published.seq}"]
    if result != published.data.get("result_sha256"):
        return [f"counting the sealed ballots of cycle {cycle.id} again gives a different result from "
                f"the one published at event {published.seq}"]
    return []


ONCE_PER_CYCLE = ("ballot.freeze", "box.seal")


def evidence_problems() -> list[str]:
    """Recompute every recorded ballot, box and result from the tables; name each difference,
    in the order of the events that recorded them (the first problem is the first difference)."""
    wanted = (*ONCE_PER_CYCLE, "tally.run", "tally.publish")
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(wanted))
                                     .order_by(AuditEvent.seq)))
    problems, first = [], {}
    for event in events:
        if event.action in ONCE_PER_CYCLE:
            key = (event.action, event.object_id)
            if key in first:
                problems.append(f"event {event.seq} records {event.action} of cycle {event.object_id} a "
                                f"second time (first at event {first[key]}): a forged event")
                continue
            first[key] = event.seq
        if event.action == "ballot.freeze":
            problems += _ballot_problems(event)
        if event.action == "box.seal":
            problems += unmarked_ballots(event)
    problems += [f"ballots changed since the box was sealed (event {seq})" for seq in broken_seals()]
    for cycle_id in sorted({int(e.object_id) for e in events if e.action.startswith("tally.")}):
        problems += _result_problems(cycle_id, [e for e in events if e.object_id == str(cycle_id)])
    return problems


def _last(events: list[dict], action: str) -> dict | None:
    return next((e for e in reversed(events) if e["action"] == action), None)
