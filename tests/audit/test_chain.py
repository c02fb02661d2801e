"""The audit chain: append-only, serialised under concurrency, and every tampering is located."""

import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from pb.audit.models import AuditEvent
from pb.audit.services import record, verify_database
from pb.db import db
from tests.results.conftest import cast_cycle, published  # noqa: F401  (fixtures)
from tests.voting.conftest import voting_cycle  # noqa: F401  (fixture)


def seed_events(n: int = 6) -> None:
    for i in range(n):
        record("test.event", actor=None, data={"i": i})
    db.session.commit()


@pytest.fixture
def tamper(app):
    """Run raw SQL as a database owner would, bypassing PostgreSQL's append-only trigger."""
    def run(sql: str, **params):
        postgres = db.engine.dialect.name == "postgresql"
        if postgres:
            db.session.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
        db.session.execute(text(sql), params)
        if postgres:
            db.session.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only"))
        db.session.commit()
    return run


def test_intact_chain_verifies(app):
    seed_events()
    assert verify_database() == (6, None)


@pytest.mark.parametrize("mutation, sql, broken_at", [
    ("change", "UPDATE audit_event SET data = '{\"i\": 99}' WHERE seq = 3", 3),
    ("delete", "DELETE FROM audit_event WHERE seq = 4", 5),
    ("insert", "INSERT INTO audit_event (seq, at, actor_id, actor_role, action, object_type, object_id, data,"
               " prev_hash, hash) SELECT 7, at, NULL, 'system', 'test.forged', '', '', '{}', hash, '" + "0" * 64 + "'"
               " FROM audit_event WHERE seq = 6", 7),
    ("reorder", "UPDATE audit_event SET seq = CASE seq WHEN 2 THEN 1002 WHEN 3 THEN 2 END WHERE seq IN (2, 3)", 2),
])
def test_each_kind_of_tampering_is_located(app, tamper, mutation, sql, broken_at):
    """Changing, deleting, inserting or reordering an audit row is reported at the right event."""
    seed_events()
    tamper(sql)
    assert verify_database()[1] == broken_at, mutation


@pytest.mark.postgresql_only
def test_postgresql_refuses_updates_and_deletes(app):
    """On PostgreSQL the database itself rejects UPDATE and DELETE on the audit table."""
    seed_events(2)
    for sql in ("UPDATE audit_event SET action = 'x' WHERE seq = 1", "DELETE FROM audit_event WHERE seq = 2"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(sql))
        db.session.rollback()


def test_changed_ballot_after_sealing_is_reported(app, published, tamper, runner):  # noqa: F811
    """A ballot edited after the box was sealed breaks the seal's digest, found by verify."""
    seal = db.session.scalars(select(AuditEvent.seq).filter_by(action="box.seal")).one()
    tamper("UPDATE ballot SET ranking = '[1]' WHERE id = (SELECT min(id) FROM ballot)")
    result = runner.invoke(args=["pb", "audit", "verify"])
    assert result.exit_code == 1 and f"event {seal}" in result.output


def test_concurrent_appends_make_one_chain(app):
    """200 appends from 8 connections at once produce seq 1..200 and an unbroken chain."""
    barrier = threading.Barrier(8)
    errors = []

    def append(worker: int):
        with app.app_context():
            barrier.wait()
            try:
                for i in range(25):
                    record("test.concurrent", actor=None, data={"worker": worker, "i": i})
                    db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=append, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    db.session.rollback()
    assert verify_database() == (200, None)
    assert db.session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)).all() == list(range(1, 201))
