"""The pool checks a connection that rested, and recovers from one that died under load."""

from __future__ import annotations

import pytest
from servicekit.db import create_engine
from servicekit.testing import postgres_admin_url_or_skip
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

pytestmark = pytest.mark.integration


async def _terminate(backend_pid: int) -> None:
    admin = postgres_admin_url_or_skip().replace("postgresql://", "postgresql+asyncpg://", 1)
    engine = create_async_engine(admin)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend_pid})
    finally:
        await engine.dispose()


async def _backend_pid(engine: object) -> int:
    async with engine.connect() as conn:  # type: ignore[attr-defined]
        return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def test_a_rested_connection_that_died_is_replaced_before_use(pg_url: str) -> None:
    engine = create_engine(pg_url, idle_ping_after=0.0)  # every checkout counts as rested
    try:
        dead = await _backend_pid(engine)
        await _terminate(dead)  # e.g. the database restarted while the service was idle
        assert await _backend_pid(engine) != dead  # no error: the ping found it dead
    finally:
        await engine.dispose()


async def test_a_busy_connection_that_died_fails_once_then_the_pool_recovers(pg_url: str) -> None:
    engine = create_engine(pg_url, idle_ping_after=3600.0)  # never pinged: a busy service
    try:
        dead = await _backend_pid(engine)
        await _terminate(dead)
        with pytest.raises(DBAPIError) as caught:
            await _backend_pid(engine)
        assert caught.value.connection_invalidated  # recognised as a disconnect
        assert await _backend_pid(engine) != dead  # the next transaction gets a new one
    finally:
        await engine.dispose()
