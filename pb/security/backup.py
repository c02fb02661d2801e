"""Whole-database backups: SQLite through its online backup API, PostgreSQL through
pg_dump / pg_restore (custom format). A backup is consistent even while the app is serving."""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
import tempfile

from sqlalchemy.engine import make_url

from pb.db import db

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


class BackupError(RuntimeError):
    """The backup or restore could not be done; nothing was changed."""


def _sqlite_path() -> str:
    path = make_url(str(db.engine.url)).database
    if not path or path == ":memory:":
        raise BackupError("this SQLite database is in memory; there is nothing to back up")
    return path


def _tool(name: str) -> str:
    """pg_dump / pg_restore: the newest installed, so it is never older than the server."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    path = found[-1] if found else shutil.which(name)
    if not path:
        raise BackupError(f"{name} is not installed (Debian: apt install postgresql-client)")
    return path


def _pg_env() -> tuple[dict, str]:
    """libpq settings from the app's URL; the password goes in the environment, not argv."""
    url = make_url(str(db.engine.url))
    env = dict(os.environ)
    for var, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                       ("PGPASSWORD", url.password)):
        if value is not None:
            env[var] = str(value)
    return env, url.database


def backup(path: str) -> str:
    """Write a consistent copy of the whole database to `path`; returns the kind."""
    dialect = db.engine.dialect.name
    db.session.remove()
    if dialect == "sqlite":
        source = sqlite3.connect(_sqlite_path())
        try:
            target = sqlite3.connect(path)
            with target:
                source.backup(target)
            problem = target.execute("PRAGMA integrity_check").fetchone()[0]
            target.close()
        finally:
            source.close()
        if problem != "ok":
            raise BackupError(f"the copy failed its integrity check: {problem}")
        return "sqlite"
    if dialect == "postgresql":
        env, name = _pg_env()
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--file", path, name], env)
        return "postgresql"
    raise BackupError(f"backups of {dialect} are not supported")


def restore(path: str) -> str:
    """Replace the whole database with the backup at `path`; returns the kind."""
    with open(path, "rb") as file:
        head = file.read(16)
    dialect = db.engine.dialect.name
    db.session.remove()
    db.engine.dispose()  # no pooled connection may hold a lock on what is replaced
    if dialect == "sqlite":
        if head != SQLITE_MAGIC:
            raise BackupError("this file is not a SQLite backup")
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            problem = source.execute("PRAGMA integrity_check").fetchone()[0]
            if problem != "ok":
                raise BackupError(f"the backup is damaged: {problem}")
            tables = {row[0] for row in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not {"audit_event", "alembic_version", "cycle", "ballot"} <= tables:
                raise BackupError("this SQLite file is not a backup of this platform (its tables are missing)")
            target = sqlite3.connect(_sqlite_path(), timeout=30)
            try:
                source.backup(target)  # page by page, under the live database's lock
            finally:
                target.close()
        except sqlite3.DatabaseError as error:
            raise BackupError(f"this file is not a readable SQLite backup: {error}") from None
        finally:
            source.close()
        return "sqlite"
    if dialect == "postgresql":
        if not head.startswith(PG_MAGIC):
            raise BackupError("this file is not a pg_dump custom-format backup")
        env, name = _pg_env()
        with tempfile.TemporaryDirectory() as tmp:  # check the archive before touching anything
            _run([_tool("pg_restore"), "--list", path], env, cwd=tmp)
        _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
              "--exit-on-error", "--dbname", name, path], env)
        return "postgresql"
    raise BackupError(f"restoring {dialect} is not supported")


def _run(argv: list[str], env: dict, cwd: str | None = None) -> None:
    # A fixed tool path and argument list, no shell: nothing here is interpreted.
    result = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{os.path.basename(argv[0])} failed: {result.stderr.strip()[-500:]}")
