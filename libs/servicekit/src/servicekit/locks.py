"""One lock for the whole deployment of a service, whatever replica or command asks for it.

PostgreSQL: a session-level advisory lock held on its own connection. SQLite (one machine):
an exclusive file lock beside the database file. Used where something must happen exactly
once per deployment (creating the signing CA and keys), not on hot paths.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine


@asynccontextmanager
async def deployment_lock(engine: AsyncEngine, name: str) -> AsyncIterator[None]:
    """Hold the lock called ``name`` for the duration of the block (waiting for it)."""
    if engine.dialect.name == "postgresql":
        async with engine.connect() as conn:
            key = func.hashtext(name)
            await conn.execute(select(func.pg_advisory_lock(key)))
            await conn.commit()
            try:
                yield
            finally:
                await conn.execute(select(func.pg_advisory_unlock(key)))
                await conn.commit()
        return
    db = engine.url.database
    if not db or db == ":memory:":
        yield  # one process, one database: nothing to share
        return
    path = Path(f"{db}.{name.replace(':', '-').replace('/', '-')}.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
