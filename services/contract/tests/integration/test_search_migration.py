"""The search migration: who may run it, what a C-locale database gets, SQLite, and going back."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlparse

import asyncpg
import pytest
from alembic import command
from contract.adapters.repository import ContractRepository
from contract.adapters.tables import Contract
from contract.bootstrap import MIGRATIONS
from search_data import CRAFTED, expected, plain_scan, rows_of
from servicekit.db import create_engine, make_sessionmaker
from servicekit.migrations import alembic_config, upgrade
from servicekit.testing import postgres_admin_url_or_skip
from sqlalchemy import insert, text

BEFORE_SEARCH_INDEXES = "f499bb5e10a2"
SEARCH_INDEXES = {
    "ix_contracts_title_trgm",
    "ix_contracts_client_name_trgm",
    "ix_contracts_case_serial_no_trgm",
    "ix_contracts_search_grams",
}


async def admin(sql: str, *, database: str | None = None) -> None:
    url = postgres_admin_url_or_skip().replace("postgresql+asyncpg://", "postgresql://")
    if database:
        url = urlparse(url)._replace(path=f"/{database}").geturl()
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@asynccontextmanager
async def database(*, owner_is_role: bool, options: str = "") -> AsyncIterator[tuple[str, str]]:
    """Yield (role's URL, database name) for a new login role and a new database; drop both."""
    run = uuid.uuid4().hex[:10]
    role, name, password = f"lexseal_role_{run}", f"lexseal_search_{run}", uuid.uuid4().hex
    await admin(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
    try:
        owner = f"OWNER {role}" if owner_is_role else ""
        await admin(f"CREATE DATABASE {name} {owner} {options}")
        try:
            if not owner_is_role:  # it may create tables, as the first migration does
                await admin(f"GRANT CREATE ON SCHEMA public TO {role}", database=name)
            admin_url = urlparse(postgres_admin_url_or_skip())
            host = f"{admin_url.hostname}:{admin_url.port or 5432}"
            yield f"postgresql+asyncpg://{role}:{password}@{host}/{name}", name
        finally:
            await admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await admin(f"DROP ROLE IF EXISTS {role}")


async def migrate(url: str, revision: str = "head") -> None:
    await asyncio.to_thread(
        upgrade, script_location=MIGRATIONS, database_url=url, revision=revision
    )


async def indexes(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            names = await conn.execute(
                text("SELECT indexname FROM pg_indexes WHERE tablename = 'contracts'")
            )
            return set(names.scalars()) & SEARCH_INDEXES
    finally:
        await engine.dispose()


@pytest.mark.integration
async def test_the_database_owner_migrates_without_being_superuser() -> None:
    async with database(owner_is_role=True) as (url, _):
        await migrate(url)
        assert await indexes(url) == SEARCH_INDEXES


@pytest.mark.integration
async def test_a_role_that_may_not_create_pg_trgm_is_told_what_to_do() -> None:
    async with database(owner_is_role=False) as (url, name):
        with pytest.raises(RuntimeError, match="may not create it") as failure:
            await migrate(url)
        assert f"GRANT CREATE ON DATABASE {name}" in str(failure.value)
        # Once the owner creates the extension, the same role migrates.
        await admin("CREATE EXTENSION pg_trgm", database=name)
        await migrate(url)
        assert await indexes(url) == SEARCH_INDEXES


@pytest.mark.integration
async def test_downgrade_drops_the_indexes_and_upgrade_brings_them_back() -> None:
    async with database(owner_is_role=True) as (url, _):
        await migrate(url)
        config = alembic_config(script_location=MIGRATIONS, database_url=url)
        await asyncio.to_thread(command.downgrade, config, BEFORE_SEARCH_INDEXES)
        assert await indexes(url) == set()
        await migrate(url)
        assert await indexes(url) == SEARCH_INDEXES


@pytest.mark.integration
async def test_a_c_locale_database_warns_and_still_finds_chinese_exactly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Under LC_CTYPE=C pg_trgm sees no letters in Chinese, so its index can't narrow a Chinese
    # term; the search must still find exactly what the scan finds.
    options = "TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
    async with database(owner_is_role=True, options=options) as (url, _):
        with caplog.at_level(logging.WARNING, logger="contract.migrations"):
            await migrate(url)
        assert "pg_trgm sees no letters in Chinese" in caplog.text
        rows = rows_of(CRAFTED)
        engine = create_engine(url)
        sessions = make_sessionmaker(engine)
        try:
            async with sessions() as session:
                await session.execute(insert(Contract), rows)
                await session.commit()
            for term in ["合", "某某", "上海某某科技", "律师事务所", "ACME", "100%", "a_b"]:
                async with sessions() as session:
                    before = await plain_scan(session, term)
                async with sessions() as session:
                    found = await ContractRepository(session).page(
                        owner_id=None, status=None, query=term, after=None, limit=100
                    )
                assert [c.id for c in found] == before == expected(rows, term), term
        finally:
            await engine.dispose()


async def test_sqlite_migrates_and_keeps_the_plain_search(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/contract.db"
    await migrate(url)
    rows = rows_of(CRAFTED)
    engine = create_engine(url)
    sessions = make_sessionmaker(engine)
    try:
        async with sessions() as session:
            await session.execute(insert(Contract), rows)
            await session.commit()
        # SQLite's lower() folds ASCII only, so terms whose case matters stay ASCII here.
        for term in ["合", "某某", "上海某某科技", "acme", "ACME", "aj2026", "100%", "a_b", "a\\b"]:
            async with sessions() as session:
                found = await ContractRepository(session).page(
                    owner_id=None, status=None, query=term, after=None, limit=100
                )
            assert [c.id for c in found] == expected(rows, term), term
    finally:
        await engine.dispose()
