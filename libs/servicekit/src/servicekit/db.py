"""Async engine and session factory: SQLite file per service by default, PostgreSQL from a URL."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Return the current time in UTC (aware)."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Return `value` as an aware UTC datetime (SQLite hands back naive ones)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class AwareDateTime(TypeDecorator[datetime]):
    """A timestamp that is always stored as UTC and always read back timezone-aware.

    PostgreSQL keeps the offset; SQLite drops it and would hand back naive values that
    cannot be compared with aware ones. Every table uses this type instead of DateTime.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return as_utc(value)  # a naive value is taken to be UTC already

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


def dialect_insert(session: AsyncSession) -> Any:
    """Return the `insert` of the session's dialect (PostgreSQL or SQLite), for ON CONFLICT."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def is_postgres(url: str) -> bool:
    """Tell whether a database URL points at PostgreSQL."""
    return make_url(url).get_backend_name() == "postgresql"


IDLE_PING_AFTER = 2.0  # seconds a pooled connection may rest before it is checked on checkout


def create_engine(
    url: str,
    *,
    echo: bool = False,
    idle_ping_after: float = IDLE_PING_AFTER,
    pool_size: int = 10,
    max_overflow: int = 10,
) -> AsyncEngine:
    """Create the async engine for `url`, tuned per backend.

    On PostgreSQL a pooled connection is checked before use only when it has rested for
    `idle_ping_after` seconds; see `_ping_when_idle`.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # WAL lets the outbox relay read while writers commit; a busy timeout
            # turns short write contention into waiting instead of errors.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    engine = create_async_engine(url, echo=echo, pool_size=pool_size, max_overflow=max_overflow)
    _ping_when_idle(engine, after=idle_ping_after)
    return engine


def _ping_when_idle(engine: AsyncEngine, *, after: float) -> None:
    """Check a pooled connection on checkout only when it has been idle for `after` seconds.

    `pool_pre_ping` checks every checkout, and on asyncpg a ping is three round trips
    (BEGIN, a query, ROLLBACK): under load that doubled the cost of a short transaction.
    A connection that rested is the one likely to have died unnoticed (database restart,
    idle timeout), so it is pinged and replaced if dead. A busy connection that dies fails
    its next statement instead; SQLAlchemy then recognises the disconnect and recycles the
    whole pool, so after a restart under load only the transactions in flight fail once
    (the relay and consumers retry; an HTTP caller gets a 5xx and may retry).
    """

    @event.listens_for(engine.sync_engine, "checkin")
    def _rested(_dbapi_conn: Any, record: Any) -> None:
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _check(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        rested = record.info.get("checked_in")
        if rested is None or time.monotonic() - rested < after:
            return  # new, or used a moment ago
        try:
            dbapi_conn.ping()
        except Exception as exc:
            # The pool discards this connection and checks out (or opens) another.
            raise DisconnectionError("pooled connection is dead") from exc


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Return the session factory; objects stay usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)
