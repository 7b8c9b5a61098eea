"""Search on PostgreSQL: the indexes find exactly what the plain scan found, pages stay whole."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from contract.adapters.repository import ContractRepository, Page
from contract.adapters.tables import Contract
from contract.bootstrap import MIGRATIONS
from search_data import CRAFTED, FILLER, TERMS, expected, filler, plain_scan, rows_of
from servicekit.db import create_engine, make_sessionmaker
from servicekit.migrations import upgrade
from servicekit.testing import PostgresDatabase, postgres_admin_url_or_skip
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def db() -> AsyncIterator[tuple[async_sessionmaker[AsyncSession], list[dict[str, Any]]]]:
    with PostgresDatabase(postgres_admin_url_or_skip(), prefix="search") as url:
        await asyncio.to_thread(upgrade, script_location=MIGRATIONS, database_url=url)
        # Spread the crafted rows through the filler, so they are neither all newest nor oldest.
        fields = [filler(i) for i in range(FILLER)]
        for k, row in enumerate(CRAFTED):
            fields.insert(k * FILLER // len(CRAFTED), row)
        rows = rows_of(fields)
        engine = create_engine(url)
        sessions = make_sessionmaker(engine)
        async with sessions() as session:
            await session.execute(insert(Contract), rows)
            await session.commit()
            await session.execute(text("ANALYZE contracts"))
            await session.commit()
        try:
            yield sessions, rows
        finally:
            await engine.dispose()


async def through_index(session: AsyncSession, term: str, *, limit: int) -> list[str]:
    """Return every page of the search, with PostgreSQL made to read the search indexes."""
    await session.execute(text("SET LOCAL enable_seqscan = off"))
    await session.execute(text("SET LOCAL enable_indexscan = off"))  # no newest-first walk
    repo = ContractRepository(session)
    found: list[str] = []
    after: Page | None = None
    while True:
        page = await repo.page(owner_id=None, status=None, query=term, after=after, limit=limit)
        found += [c.id for c in page]
        if len(page) < limit:
            return found
        after = Page(created_at=page[-1].created_at, id=page[-1].id)


def scans(plan: dict[str, Any]) -> set[str]:
    """Return the names of the indexes a plan reads."""
    names: set[str] = set()
    stack = [plan["Plan"]]
    while stack:
        node = stack.pop()
        if "Index Name" in node:
            names.add(node["Index Name"])
        stack += node.get("Plans", [])
    return names


TRIGRAM = {
    "ix_contracts_title_trgm",
    "ix_contracts_client_name_trgm",
    "ix_contracts_case_serial_no_trgm",
}
GRAMS = {"ix_contracts_search_grams"}


@pytest.mark.parametrize("term", TERMS)
async def test_the_indexes_find_exactly_what_the_scan_found(db, term: str) -> None:  # type: ignore[no-untyped-def]
    sessions, rows = db
    async with sessions() as session:
        before = await plain_scan(session, term)
    want = expected(rows, term)
    async with sessions() as session:
        # Small pages cross keyset boundaries; a term in thousands of rows takes bigger ones.
        indexed = await through_index(session, term, limit=7 if len(want) < 100 else 500)
        repo = ContractRepository(session)
        plan = await repo.explain(
            repo.page_query(owner_id=None, status=None, query=term, after=None, limit=7)
        )
    assert indexed == before == want
    # A term of 1-2 characters reads the gram index, a longer one the trigram indexes.
    assert scans(plan) == (GRAMS if len(term) <= 2 else TRIGRAM)


async def test_metacharacters_and_case_find_what_a_user_expects(db) -> None:  # type: ignore[no-untyped-def]
    sessions, rows = db
    by_id = {r["id"]: r for r in rows}

    async def titles(term: str) -> set[str]:
        async with sessions() as session:
            return {by_id[i]["title"] for i in await through_index(session, term, limit=50)}

    assert await titles("100%") == {"折扣 100% 完成"}  # not "100 percent" nor "1000"
    assert await titles("a_b") == {"a%b"}  # its client is "a_b"; "axb" is not a match
    assert await titles("a%b") == {"a%b"}
    assert await titles("a\\b") == {"路径\\备份"}  # its case number is a\b
    assert await titles("ACME") == await titles("acme") == {"Master Services Agreement", "NDA"}
    assert await titles("ärger") == await titles("ÄRGER") == {"Supply contract"}
    assert await titles("ＡＢＣ") == {"借款协议"}
    assert await titles("某某") == {"法律服务委托合同", "技术开发合同", "采购合同"}
    assert await titles("某") == {"法律服务委托合同", "技术开发合同", "采购合同", "合"}


async def test_postgres_picks_the_index_for_a_rare_term_by_itself(db) -> None:  # type: ignore[no-untyped-def]
    sessions, _ = db
    async with sessions() as session:
        repo = ContractRepository(session)

        async def plan(term: str) -> set[str]:
            return scans(
                await repo.explain(
                    repo.page_query(owner_id=None, status=None, query=term, after=None, limit=21)
                )
            )

        assert await plan("上海某某科技") == TRIGRAM
        assert await plan("acme") == TRIGRAM
        assert await plan("不存在的客户名称") == TRIGRAM
        assert await plan("某某") == GRAMS
        # A term in most rows is cheapest found walking the newest rows first.
        assert await plan("协议") == {"ix_contracts_created"}


async def test_keyset_pages_of_a_search_are_whole_and_in_order(db) -> None:  # type: ignore[no-untyped-def]
    sessions, rows = db
    for term, scope in [("协议", None), ("客户1", None), ("协议", "lawyer-3"), ("某", None)]:
        want = expected([r for r in rows if scope in (None, r["owner_id"])], term)
        async with sessions() as session:  # the plan PostgreSQL picks, page by page
            repo = ContractRepository(session)
            got: list[str] = []
            after: Page | None = None
            while True:
                page = await repo.page(
                    owner_id=scope, status=None, query=term, after=after, limit=97
                )
                got += [c.id for c in page]
                if len(page) < 97:
                    break
                after = Page(created_at=page[-1].created_at, id=page[-1].id)
        assert got == want, (term, scope)


async def test_every_search_is_planned_for_its_own_term(db) -> None:  # type: ignore[no-untyped-def]
    # PostgreSQL may replan a prepared statement generically after five runs; a generic plan
    # cannot tell a rare term (index) from a common one (walk newest first), so search forbids it.
    sessions, _ = db
    count = text(
        "SELECT coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0)"
        " FROM pg_prepared_statements WHERE statement LIKE '%lower(contracts.title) LIKE%'"
        " AND statement NOT LIKE '%pg_prepared_statements%'"
    )
    async with sessions() as session:
        repo = ContractRepository(session)
        generic_before, custom_before = (await session.execute(count)).one()
        for _ in range(8):  # without the guard, runs 6 to 8 would use a generic plan
            await repo.page(owner_id=None, status=None, query="上海某某科技", after=None, limit=21)
        generic, custom = (await session.execute(count)).one()
    assert (generic - generic_before, custom - custom_before) == (0, 8)
