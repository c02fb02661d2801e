"""`flask pb backup` / `restore`: a round trip on SQLite and PostgreSQL, then `audit verify`."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pb.audit.models import AuditEvent
from pb.db import db
from pb.enums import Channel
from pb.voting.models import Ballot
from pb.voting.services import cast_ballot
from tests.voting.conftest import voting_cycle  # noqa: F401  (fixture)


def counts():
    return (db.session.scalar(select(func.count()).select_from(AuditEvent)),
            db.session.scalar(select(func.count()).select_from(Ballot)))


def test_backup_restore_round_trip_then_audit_verifies(runner, make, voting_cycle, tmp_path):  # noqa: F811
    """Restoring a backup brings back exactly the backed-up data, and the chain verifies."""
    cycle, ids = voting_cycle
    voter = make.voter(cycle)
    cast_ballot(cycle=cycle, credential=f"roll:{voter.id}", ranking=ids[:2], channel=Channel.online, locale="en")
    db.session.commit()
    saved = counts()
    path = tmp_path / "pb.backup"
    result = runner.invoke(args=["pb", "backup", str(path)])
    assert result.exit_code == 0 and "Backed up" in result.output, result.output
    make.cycle()  # changes after the backup ...
    assert counts() != saved
    result = runner.invoke(args=["pb", "restore", str(path), "--yes"])
    assert result.exit_code == 0 and "chain intact" in result.output, result.output
    db.session.remove()
    assert counts() == saved  # ... are gone
    verify = runner.invoke(args=["pb", "audit", "verify"])
    assert verify.exit_code == 0 and "OK" in verify.output


def test_restore_refuses_a_file_that_is_not_a_backup(runner, make, tmp_path):
    """A wrong file is refused with a clear message and the database is untouched."""
    make.cycle()
    before = counts()
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"PGDMP not really" if db.engine.dialect.name == "sqlite" else b"SQLite format 3\x00junk")
    result = runner.invoke(args=["pb", "restore", str(junk), "--yes"])
    assert result.exit_code != 0 and "not a" in result.output and "Traceback" not in result.output
    db.session.remove()
    assert counts() == before


def test_restore_refuses_another_sqlite_database(runner, make, tmp_path):
    """A sound SQLite file that is not a backup of this platform is refused before anything
    is replaced: the live database keeps its data."""
    import sqlite3

    if db.engine.dialect.name != "sqlite":
        pytest.skip("restoring a SQLite file is the SQLite run's (PostgreSQL restores pg_dump archives)")
    make.cycle()
    before = counts()
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE t (x)")
    result = runner.invoke(args=["pb", "restore", str(other), "--yes"])
    assert result.exit_code != 0 and "not a backup of this platform" in result.output
    assert "Traceback" not in result.output
    db.session.remove()
    assert counts() == before


def test_restore_asks_before_replacing(runner, make, tmp_path):
    """Without --yes, answering no leaves the database as it was."""
    path = tmp_path / "pb.backup"
    runner.invoke(args=["pb", "backup", str(path)])
    make.cycle()
    before = counts()
    result = runner.invoke(args=["pb", "restore", str(path)], input="n\n")
    assert result.exit_code != 0
    assert counts() == before
