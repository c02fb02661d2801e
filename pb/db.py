"""The SQLAlchemy handle, the model base and the column types every domain shares."""

from __future__ import annotations

import secrets
from contextvars import ContextVar
from datetime import UTC, datetime

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Engine, MetaData, Result, event
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from pb import clock

# Stable constraint names, so Alembic migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given; use pb.db.utcnow()")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None:
            value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value


def utcnow() -> datetime:
    return clock.now()


def db_rows(statement, params: dict | None = None) -> Result:
    """`statement` run on the session's connection, in its transaction, as plain rows.

    For a read of plain columns built once at import: it skips the ORM's per-statement work
    (about as much as a small query itself) and, unlike `db.session.execute`, does not flush
    the session first, so pending changes are not seen (flush before, if they must be).
    """
    return db.session.connection().execute(statement, params)


def random_key() -> str:
    """A random primary key: reveals neither order nor count (used for ballots)."""
    return secrets.token_hex(16)


# Whether the current unit of work will write. GET requests set it to False so that SQLite
# readers run concurrently; everything else takes SQLite's write lock when it begins, because
# a deferred transaction that later upgrades to a writer can fail with "database is locked"
# instead of waiting, and exactly-once voting relies on writers queueing.
BUSY_TIMEOUT_MS = 10_000  # how long a SQLite writer waits for the lock before giving up

write_intent: ContextVar[bool] = ContextVar("write_intent", default=True)


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, _record):
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, see _sqlite_begin
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")  # deleted rows are zeroed, not left in free pages
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    autocommit = connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
    if connection.dialect.name == "sqlite" and not autocommit:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")
