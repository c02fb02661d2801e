"""The `flask pb` commands."""

import json

from sqlalchemy import func, select

from pb import models
from pb.db import db


def table_counts() -> dict[str, int]:
    return {name: db.session.scalar(select(func.count()).select_from(getattr(models, name)))
            for name in models.__all__}


def test_demo_twice_leaves_the_same_counts(runner):
    """Loading the demo again changes nothing."""
    first = runner.invoke(args=["pb", "demo"])
    assert first.exit_code == 0, first.output
    counts = table_counts()
    assert counts["Project"] == 20 and counts["Ballot"] >= 500 and counts["Idea"] >= 25 and counts["TallySnapshot"] == 1
    second = runner.invoke(args=["pb", "demo"])
    assert second.exit_code == 0 and "nothing changed" in second.output
    assert table_counts() == counts


def test_init_creates_first_staff_account(runner):
    result = runner.invoke(args=["pb", "init", "--email", "boss@example.org", "--password", "long-enough-pw"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(models.User.role).filter_by(email="boss@example.org")) == "staff"


def test_create_user_rejects_short_password_and_bad_role(runner):
    """Bad CLI arguments give a clear error and create nothing."""
    short = runner.invoke(args=["pb", "create-user", "--email", "a@example.org", "--name", "A",
                                "--role", "liaison", "--password", "short"])
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    bad_role = runner.invoke(args=["pb", "create-user", "--email", "a@example.org", "--name", "A",
                                   "--role", "admin", "--password", "long-enough-pw"])
    assert bad_role.exit_code != 0
    assert table_counts()["User"] == 0


def test_audit_verify_detects_tampering(runner, make, tmp_path):
    """The chain verifies, and an edited event is reported at its sequence number."""
    make.cycle()
    assert "OK" in runner.invoke(args=["pb", "audit", "verify"]).output
    from pb.audit.models import AuditEvent
    from pb.audit.services import exported

    events = [exported(e) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
    events[1]["data"] = {"budget_cents": 1}
    path = tmp_path / "audit.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in events))
    result = runner.invoke(args=["pb", "audit", "verify", "--file", str(path)])
    assert result.exit_code == 1 and "BROKEN at event 2" in result.output


def test_flask_pb_tally_counts_without_building_the_web_app(tmp_path):
    """`flask pb tally` works even when --app names no importable app: counting never builds it."""
    import subprocess
    import sys
    from pathlib import Path

    ballots = tmp_path / "tiny.pb"
    ballots.write_text("META\nkey;value\ndescription;tiny\nnum_projects;2\nnum_votes;3\nbudget;10\n"
                       "vote_type;ordinal\nmax_length;2\nPROJECTS\nproject_id;cost\n1;6\n2;6\n"
                       "VOTES\nvoter_id;vote\n1;1,2\n2;1\n3;2,1\n", encoding="utf-8")
    flask = Path(sys.executable).with_name("flask")
    result = subprocess.run([str(flask), "--app", "no_such_module_anywhere", "pb", "tally", str(ballots),
                             "--rule", "greedy"], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "result sha256" in result.stdout
