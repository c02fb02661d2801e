"""Anchored evidence: eleven ways an insider with database access could tamper with the record,
each run against an anchor (SEQ:HASH) kept before the tampering, each reported by
`pb audit verify --anchor` with the first bad event, result or cost named."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from pb.audit.models import AuditEvent
from pb.audit.services import GENESIS, chain_hash, event_fields, head, record
from pb.db import db
from pb.enums import Phase, Role
from pb.i18n.models import ContentTranslation
from pb.proposals.models import Project
from pb.results.models import TallySnapshot
from pb.results.verify import freeze_ballot
from pb.tally.digest import sha256_of
from pb.voting.models import Ballot, BoxSeal
from pb.voting.seal import canonical_ballots
from tests.conftest import open_voting
from tests.results.conftest import cast_cycle, published  # noqa: F401  (fixtures)
from tests.voting.conftest import voting_cycle  # noqa: F401  (fixture)


@contextlib.contextmanager
def as_table_owner():
    """Change the audit table as its owner could: on PostgreSQL, lift the append-only triggers."""
    postgres = db.engine.dialect.name == "postgresql"
    if postgres:
        db.session.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
    yield
    db.session.flush()
    if postgres:
        db.session.execute(text("ALTER TABLE audit_event ENABLE TRIGGER USER"))
    db.session.commit()


def rehash_from(seq: int) -> None:
    """Recompute every hash from `seq` on, as an insider covering an edit would."""
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    prev = GENESIS
    for event in events:
        if event.seq >= seq:
            event.prev_hash = prev
            event.hash = chain_hash(prev, event_fields(event))
            db.session.flush()
        prev = event.hash


def event_of(action: str) -> AuditEvent:
    return db.session.scalars(select(AuditEvent).filter_by(action=action).order_by(AuditEvent.seq)).first()


def verify(runner, *anchors) -> tuple[int, str]:
    args = ["pb", "audit", "verify"]
    for anchor in anchors:
        args += ["--anchor", str(anchor)]
    result = runner.invoke(args=args)
    return result.exit_code, result.output


def first_problem(output: str) -> str:
    return output.splitlines()[0]


# ---- the eleven tamper classes of issue 16 ---------------------------------------------------

def test_intact_record_verifies_against_its_anchor(app, published, runner):  # noqa: F811
    """With nothing changed, the log still holds the kept anchor and every record matches."""
    code, output = verify(runner, head())
    assert code == 0 and "1 anchor(s) found" in output, output


def test_1_deleting_the_last_events_is_caught(app, published, runner):  # noqa: F811
    """Cutting the last 10 events off leaves a valid chain, but not the anchor a resident kept."""
    anchor = head()
    with as_table_owner():
        db.session.execute(delete(AuditEvent).where(AuditEvent.seq > anchor.seq - 10))
    code, output = verify(runner, anchor)
    assert code == 1 and f"the log has no event {anchor.seq}" in first_problem(output), output
    assert f"ends at event {anchor.seq - 10}" in output


def test_2_a_forged_publication_with_a_correct_hash_is_caught(app, published, runner):  # noqa: F811
    """Editing the winners and appending a correctly chained `tally.publish` of the edited
    snapshot is caught by counting the sealed ballots again."""
    cycle, ids = published
    anchor = head()
    snapshot = db.session.scalars(select(TallySnapshot).filter_by(cycle_id=cycle.id)).one()
    forged = dict(snapshot.result, winners=[str(ids[0])])
    forged_sha = sha256_of({k: v for k, v in forged.items() if k != "result_sha256"})
    snapshot.result, snapshot.result_sha256 = forged | {"result_sha256": forged_sha}, forged_sha
    event = record("tally.publish", actor=None, obj=cycle,
                   data={"result_sha256": forged_sha, "input_sha256": snapshot.input_sha256,
                         "winners": forged["winners"], "supersedes": None, "correction_reason": ""})
    db.session.commit()
    code, output = verify(runner, anchor)
    assert code == 1, output
    assert f"different result from the one published at event {event.seq}" in first_problem(output)


def test_2b_a_forged_second_ballot_record_is_caught(app, published, runner):  # noqa: F811
    """A cost changed and re-recorded in a new, correctly chained `ballot.freeze` is a forgery:
    the ballot is recorded once, when voting opens."""
    cycle, ids = published
    first = event_of("ballot.freeze").seq
    db.session.get(Project, ids[0]).cost_cents = 1_00
    forged = freeze_ballot(actor=None, cycle=cycle)
    db.session.commit()
    code, output = verify(runner, head())
    assert code == 1, output
    assert f"project {ids[0]} cost differs from the ballot recorded at event {first}" in first_problem(output)
    assert f"event {forged.seq} records ballot.freeze of cycle {cycle.id} a second time" in output


def test_3_editing_an_event_and_rehashing_the_rest_is_caught(app, published, runner):  # noqa: F811
    """An event edited with every later hash recomputed gives a valid chain without the anchor."""
    anchor = head()
    freeze = event_of("ballot.freeze")
    with as_table_owner():
        freeze.data = dict(freeze.data, note="edited")
        db.session.flush()
        rehash_from(freeze.seq)
    code, output = verify(runner, anchor)
    assert code == 1, output
    assert f"anchor {anchor.seq}: event {anchor.seq} now has hash" in first_problem(output)


def test_4_erasing_an_event_and_renumbering_is_caught(app, published, runner):  # noqa: F811
    """An event erased, the rest renumbered and rehashed: the anchor's event is gone or differs."""
    anchor = head()
    victim = event_of("tally.run").seq
    with as_table_owner():
        db.session.execute(delete(AuditEvent).where(AuditEvent.seq == victim))
        for seq in range(victim + 1, anchor.seq + 1):
            db.session.execute(update(AuditEvent).where(AuditEvent.seq == seq).values(seq=seq - 1))
        db.session.expire_all()
        rehash_from(victim)
    code, output = verify(runner, anchor)
    assert code == 1 and f"the log has no event {anchor.seq}" in first_problem(output), output


def test_5_rewriting_sealed_ballots_with_the_seal_digest_is_caught(app, published, runner):  # noqa: F811
    """Ballots rewritten with the seal's digests (table and event) and the chain rehashed."""
    cycle, ids = published
    anchor = head()
    ballots = db.session.scalars(select(Ballot).filter_by(cycle_id=cycle.id)).all()
    for ballot in ballots[:10]:
        ballot.ranking = [ids[0]]
    db.session.flush()
    new_digest = sha256_of(canonical_ballots(b.ranking for b in ballots))
    db.session.get(BoxSeal, cycle.id).ballots_sha256 = new_digest
    seal = event_of("box.seal")
    with as_table_owner():
        seal.data = dict(seal.data, ballots_sha256=new_digest)
        db.session.flush()
        rehash_from(seal.seq)
    code, output = verify(runner, anchor)
    assert code == 1, output
    assert f"anchor {anchor.seq}: event {anchor.seq} now has hash" in first_problem(output)
    # Without any anchor, the recount still finds the ballots that were counted are gone.
    code, output = verify(runner)
    assert code == 1 and "differ from the input counted" in first_problem(output), output


def test_6_editing_the_published_winners_is_caught(app, published, runner):  # noqa: F811
    """The result snapshot no longer hashes to the digest its publication recorded."""
    cycle, ids = published
    snapshot = db.session.scalars(select(TallySnapshot).filter_by(cycle_id=cycle.id)).one()
    publication = event_of("tally.publish")
    snapshot.result = dict(snapshot.result, winners=[str(i) for i in ids])
    db.session.commit()
    code, output = verify(runner, head())
    assert code == 1, output
    assert (f"result snapshot {snapshot.id} differs from its published digest (event {publication.seq})"
            in first_problem(output))


def test_7_changing_a_cost_after_publication_is_caught(app, published, runner):  # noqa: F811
    """A project's cost no longer matches the ballot recorded when voting opened."""
    cycle, ids = published
    anchor = head()
    db.session.get(Project, ids[2]).cost_cents += 1_00
    db.session.commit()
    code, output = verify(runner, anchor)
    freeze = event_of("ballot.freeze").seq
    assert code == 1, output
    assert f"project {ids[2]} cost differs from the ballot recorded at event {freeze}" in first_problem(output)


@pytest.mark.postgresql_only
def test_8_postgresql_refuses_truncate(app, published):  # noqa: F811
    """TRUNCATE of the audit table is refused by the database itself."""
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("TRUNCATE audit_event"))
    db.session.rollback()
    assert db.session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)) > 0


def test_8_emptying_the_log_is_caught(app, published, runner):  # noqa: F811
    """An owner who empties the log (TRUNCATE with the trigger lifted) is caught by the anchor."""
    anchor = head()
    with as_table_owner():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("TRUNCATE audit_event"))
        else:
            db.session.execute(delete(AuditEvent))
    code, output = verify(runner, anchor)
    assert code == 1 and f"the log has no event {anchor.seq} (it now ends at event 0)" in output, output


def test_9_updating_an_event_is_caught(app, published, runner):  # noqa: F811
    """An event edited in place (hash left alone) breaks the chain at that event."""
    seal = event_of("box.seal")
    with as_table_owner():
        seal.data = dict(seal.data, ballots=1)
    code, output = verify(runner, head())
    assert code == 1 and f"BROKEN at event {seal.seq}" in first_problem(output), output


def test_10_deleting_an_event_is_caught(app, published, runner):  # noqa: F811
    """An event deleted (no renumbering) breaks the chain at the next sequence number."""
    victim = event_of("tally.run").seq
    anchor = head()
    with as_table_owner():
        db.session.execute(delete(AuditEvent).where(AuditEvent.seq == victim))
    code, output = verify(runner, anchor)
    assert code == 1 and f"BROKEN at event {victim + 1}" in first_problem(output), output


def test_11_changing_ballot_text_after_voting_opened_is_caught(app, make, runner):
    """A project's translated title changed after voting opened no longer matches the ballot
    recorded at the opening (the texts voters read are evidence too)."""
    cycle = make.cycle(phase=Phase.development, languages=["es"])
    project = make.project(cycle)
    make.project(cycle)  # the ballot needs two projects
    open_voting(cycle)
    db.session.commit()
    anchor, freeze = head(), event_of("ballot.freeze")
    assert freeze.data["ballot"]["projects"][0]["title"]["es"].endswith("[es]")
    row = db.session.scalars(select(ContentTranslation).filter_by(
        object_type="Project", object_id=project.id, field="title", locale="es")).one()
    row.text = "Otro proyecto"
    db.session.commit()
    code, output = verify(runner, anchor)
    assert code == 1, output
    assert (f"project {project.id} title (es) differs from the ballot recorded at event {freeze.seq}"
            in first_problem(output))


@pytest.mark.parametrize("table, column, expected", [
    ("cycle", "title", "cycle {cycle} title (en) differs"),
    ("cycle", "description", "cycle {cycle} description (en) differs"),
    ("area", "name", "area {area} name (en) differs"),
])
def test_12_changing_the_cycle_or_area_texts_after_voting_opened_is_caught(app, make, runner, table, column,
                                                                           expected):
    """The cycle's title and description and its area names are on the voting pages too: a
    database edit after the opening is found against the recorded ballot."""
    cycle = make.cycle(phase=Phase.development)
    make.project(cycle), make.project(cycle)
    open_voting(cycle)
    db.session.commit()
    anchor, area = head(), cycle.areas[0]
    key = {"cycle": cycle.id, "area": area.id}[table]
    db.session.execute(text(f"UPDATE {table} SET {column} = 'Changed quietly' WHERE id = :id"), {"id": key})
    db.session.commit()
    code, output = verify(runner, anchor)
    assert code == 1, output
    assert expected.format(cycle=cycle.id, area=area.id) in first_problem(output)


def test_13_changing_the_channel_site_or_language_of_sealed_ballots_is_caught(app, published, runner):  # noqa: F811
    """The published turnout by channel, site and language is counted from the box: moving
    sealed ballots to another channel and language is found against the seal."""
    cycle, _ids = published
    seal = event_of("box.seal")
    db.session.execute(update(Ballot).where(Ballot.cycle_id == cycle.id).values(channel="kiosk", locale="es"))
    db.session.commit()
    code, output = verify(runner)
    assert code == 1, output
    assert f"ballots changed since the box was sealed (event {seal.seq})" in output


def test_14_ballots_slipped_in_without_voters_are_caught(app, cast_cycle, make, runner):  # noqa: F811
    """Someone with database access adds online ballots (and trackers) during voting; the seal
    finds more online ballots than voters marked online, and verify reports it (an intact box
    records no channel, see the published fixture's own verify)."""
    from pb.db import random_key
    from pb.lifecycle.services import advance
    from pb.voting.models import Tracker
    from pb.voting.services import new_code

    cycle, ids = cast_cycle
    for _ in range(5):
        db.session.add(Ballot(id=random_key(), cycle_id=cycle.id, ranking=[ids[0]], channel="online", locale="en"))
        db.session.add(Tracker(cycle_id=cycle.id, code=new_code()))
    db.session.commit()
    advance(actor=make.user(Role.staff), cycle=cycle, current=Phase.voting)
    db.session.commit()
    seal = event_of("box.seal")
    assert seal.data["ballots_without_voters"] == ["online"]
    code, output = verify(runner)
    assert code == 1, output
    assert f"event {seal.seq}: the box held online ballots that no voter marked as voting online cast" in output


# ---- anchors themselves --------------------------------------------------------------------

def test_anchor_command_prints_the_head(app, published, runner):  # noqa: F811
    """`pb audit anchor` prints SEQ:HASH of the newest event, which verify then accepts."""
    newest = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
    output = runner.invoke(args=["pb", "audit", "anchor"]).output.strip()
    assert output == f"{newest.seq}:{newest.hash}"
    assert verify(runner, output)[0] == 0


@pytest.mark.parametrize("anchor", ["57", "abc:def", "0:" + "a" * 64, "5:" + "g" * 64, "-3:" + "a" * 64, ""])
def test_malformed_anchor_is_a_clear_usage_error(app, runner, anchor):
    """A malformed anchor is refused with the expected form, never a traceback."""
    result = runner.invoke(args=["pb", "audit", "verify", "--anchor", anchor])
    assert result.exit_code == 2, result.output
    assert "SEQ:HASH" in result.output or "start at 1" in result.output, result.output
    assert "Traceback" not in result.output and not isinstance(result.exception, ValueError)


def test_unknown_anchor_sequence_is_reported_not_raised(app, published, runner):  # noqa: F811
    """An anchor past the end of the log is a clear failure naming the log's last event."""
    last = head().seq
    code, output = verify(runner, f"{last + 1000}:{'a' * 64}")
    assert code == 1 and f"the log has no event {last + 1000} (it now ends at event {last})" in output, output


def test_the_ballot_is_recorded_when_voting_opens(app, voting_cycle):  # noqa: F811
    """Opening voting writes one `ballot.freeze` with every ballot project's id and cost."""
    cycle, ids = voting_cycle
    freeze = event_of("ballot.freeze")
    projects = db.session.scalars(select(Project).where(Project.id.in_(ids))).all()
    assert [(p["id"], p["cost_cents"]) for p in freeze.data["ballot"]["projects"]] == sorted(
        (p.id, p.cost_cents) for p in projects)
    assert freeze.data["ballot"]["rules"]["budget_cents"] == cycle.budget_cents
    assert freeze.data["ballot_sha256"] == sha256_of(freeze.data["ballot"])
