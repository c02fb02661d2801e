"""The Alembic migrations: one linear chain that builds exactly the schema the models describe,
down and up again, on SQLite and PostgreSQL, driven by `flask pb migrate` or Flask-Migrate."""

import os
import shutil
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from pb.db import db
from pb.migrate import alembic_config
from tests.conftest import make_app

MIGRATIONS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "pb", "migrations")
AUDIT_TRIGGERS = {"audit_event_append_only", "audit_event_no_truncate"}


def schema_diff() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def audit_triggers() -> set[str]:
    rows = db.session.execute(text(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_event'::regclass AND NOT tgisinternal"))
    return {name for (name,) in rows}


@pytest.fixture
def scratch_url(app, database_url, tmp_path):
    """An empty database of the session's kind, apart from the shared migrated one."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    name = f"pb_scratch_{uuid.uuid4().hex[:8]}"
    server = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        server.dispose()


def test_one_head():
    """The revisions have exactly one head, so `upgrade head` is unambiguous."""
    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1


def test_chain_is_linear_in_file_order():
    """Each revision follows the one before it, and file names sort in that order."""
    script = ScriptDirectory.from_config(alembic_config())
    chain = list(reversed(list(script.walk_revisions())))
    assert chain[0].down_revision is None
    for before, after in zip(chain, chain[1:], strict=False):
        assert after.down_revision == before.revision
    files = [os.path.basename(rev.path) for rev in chain]
    assert files == sorted(files)


def test_migrations_match_models(app):
    """Autogenerate against the migrated database finds no difference."""
    assert schema_diff() == []


def test_upgrade_downgrade_upgrade(scratch_url):
    """`flask db upgrade`, `downgrade base` and `upgrade` again leave the schema the models describe."""
    scratch = make_app(scratch_url)
    runner = scratch.test_cli_runner()
    with scratch.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        for args, tables in ((["db", "upgrade"], True), (["db", "downgrade", "base"], False),
                             (["db", "upgrade"], True)):
            result = runner.invoke(args=args)
            assert result.exit_code == 0, result.output
            names = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
            assert names == (set(db.metadata.tables) if tables else set()), args
        assert schema_diff() == []
        if postgres:
            assert audit_triggers() == AUDIT_TRIGGERS
        db.session.remove()
        db.engine.dispose()


@pytest.mark.postgresql_only
def test_postgresql_refuses_truncating_the_audit_log(app):
    """TRUNCATE fires no row triggers, so a statement trigger refuses it on the audit table.

    UPDATE and DELETE are covered in tests/audit/test_chain.py."""
    for sql in ("TRUNCATE audit_event", "TRUNCATE audit_event, cycle CASCADE"):
        with pytest.raises(DBAPIError, match="append-only: TRUNCATE refused"):
            db.session.execute(text(sql))
        db.session.rollback()


def test_db_command_lists_migrate(runner):
    """Flask-Migrate's `flask db` group is registered on the app."""
    result = runner.invoke(args=["db", "--help"])
    assert result.exit_code == 0 and "migrate" in result.output and "upgrade" in result.output


def test_new_revisions_are_numbered_and_empty_autogenerate_writes_nothing(runner, tmp_path):
    """`db migrate` with no model change writes no file; `db revision` gets the next number."""
    directory = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, directory, ignore=shutil.ignore_patterns("__pycache__"))
    empty = runner.invoke(args=["db", "migrate", "-d", str(directory), "-m", "nothing"])
    assert empty.exit_code == 0, empty.output
    assert sorted(os.listdir(directory / "versions")) == sorted(
        f for f in os.listdir(os.path.join(MIGRATIONS, "versions")) if f.endswith(".py"))
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    result = runner.invoke(args=["db", "revision", "-d", str(directory), "-m", "data fix"])
    assert result.exit_code == 0, result.output
    expected = f"{int(head) + 1:04d}_data_fix.py"
    assert expected in os.listdir(directory / "versions")
    assert f"down_revision = '{head}'" in (directory / "versions" / expected).read_text()
