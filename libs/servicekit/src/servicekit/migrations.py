"""Alembic per service: a shared env.py body and a programmatic upgrade."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine


def alembic_config(*, script_location: Path, database_url: str) -> Config:
    """Return an alembic Config for one service's migrations and database."""
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(*, script_location: Path, database_url: str, revision: str = "head") -> None:
    """Bring the database to `revision` (blocking: call it in a thread from async code)."""
    if database_url.startswith("sqlite"):
        from sqlalchemy.engine import make_url

        db = make_url(database_url).database
        if db and db != ":memory:":
            Path(db).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(
        alembic_config(script_location=script_location, database_url=database_url), revision
    )


def _do_run(connection: Connection, target_metadata: MetaData) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str, target_metadata: MetaData) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.connect() as conn:
        await conn.run_sync(_do_run, target_metadata)
    await engine.dispose()


def run_env(target_metadata: MetaData, **_: Any) -> None:
    """Run migrations from a service's migrations/env.py (online, async driver)."""
    url = context.config.get_main_option("sqlalchemy.url") or ""
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_async(url, target_metadata))
