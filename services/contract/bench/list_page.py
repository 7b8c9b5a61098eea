"""Insert 100,000 applications into a throw-away PostgreSQL database and time list pages and search.

Run: .venv/bin/python services/contract/bench/list_page.py [--rows 100000]
Targets: a page (first or deep, lawyer or risk control) in well under 50 ms; a search for a term
of 3+ characters in well under 20 ms.

Search is timed twice on the same rows: before the search indexes (the database at revision
f499bb5e10a2, the plain scan every search used to be) and after migrating to head (pg_trgm and
gram indexes). Each line names the plan PostgreSQL chose and the rows it found.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from contract.adapters.repository import ContractRepository, Page, search_condition
from contract.bootstrap import MIGRATIONS
from contract.service_layer.queries import decode_cursor, encode_cursor
from servicekit.db import create_engine, make_sessionmaker
from servicekit.migrations import upgrade
from servicekit.testing import PostgresDatabase, postgres_admin_url_or_skip
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

BEFORE_SEARCH_INDEXES = "f499bb5e10a2"
OWNERS = [f"lawyer-{i}" for i in range(200)]
STATUSES = ["draft", "submitted", "approved", "rejected", "signing", "completed"]
CITIES = ["上海", "北京", "深圳", "杭州", "广州", "成都", "南京", "武汉", "苏州", "西安"]
INDUSTRIES = ["科技", "贸易", "建设", "咨询", "物流", "医药", "文化", "投资"]
KINDS = ["采购", "销售", "服务", "租赁", "借款", "保密", "劳动", "委托"]
TRADE_CHARS = "华信达通恒泰鑫盛宏远博创瑞丰安和金源广隆天正新兴永嘉德润中汇佳联海川明峰"


def trade_names(rng: random.Random) -> list[str]:
    """Return 500 distinct two-character trade names (字号)."""
    names: set[str] = set()
    while len(names) < 500:
        names.add("".join(rng.sample(TRADE_CHARS, 2)))
    return sorted(names)


def records(rows: int) -> list[tuple[Any, ...]]:
    """Return the rows: company clients, numbered titles, case numbers by year (oldest first)."""
    rng = random.Random(7)
    trades = trade_names(rng)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    out = []
    for i in range(rows):
        client = f"{rng.choice(CITIES)}{rng.choice(trades)}{rng.choice(INDUSTRIES)}有限公司"
        out.append(
            (
                str(uuid.uuid4()),
                OWNERS[i % len(OWNERS)],
                "律师",
                f"{rng.choice(KINDS)}合同{i}",
                "service",
                client,
                f"AJ{2020 + i * 5 // rows}-{i:06d}",
                STATUSES[i % len(STATUSES)],
                0,
                start + timedelta(seconds=i // 3),
                start,
            )
        )
    return out


async def fill(url: str, rows: list[tuple[Any, ...]]) -> None:
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        await conn.copy_records_to_table(
            "contracts",
            records=rows,
            columns=[
                "id",
                "owner_id",
                "owner_name",
                "title",
                "contract_type",
                "client_name",
                "case_serial_no",
                "status",
                "round",
                "created_at",
                "updated_at",
            ],
        )
        await conn.execute("ANALYZE contracts")
    finally:
        await conn.close()


async def timed(label: str, fn, runs: int = 30, note: str = "") -> None:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - t0) * 1000)
    median, p95 = statistics.median(samples), sorted(samples)[max(int(runs * 0.95) - 1, 0)]
    print(f"{label:<40} median {median:6.2f} ms   p95 {p95:6.2f} ms{note}")


def plan_summary(plan: dict[str, Any]) -> str:
    """Name the scans of an EXPLAIN plan: which index, walked in order or as a bitmap."""
    scans: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        kind = node["Node Type"]
        if "Index Name" in node:
            how = "walk" if kind.startswith("Index") else "bitmap"
            scan = f"{how} {node['Index Name'].removeprefix('ix_contracts_')}"
        elif kind == "Seq Scan":
            scan = "seq scan"
        else:
            scan = ""
        if scan and scan not in scans:
            scans.append(scan)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan["Plan"])
    return " + ".join(scans)


def search_terms(rows: list[tuple[Any, ...]]) -> list[tuple[str, str]]:
    """Return (label, term) pairs drawn from the rows, so each finds what its label says."""
    n = len(rows)
    one_client = rows[n // 3][5]  # e.g. 上海华信科技有限公司: a handful of rows
    return [
        ("ASCII case number, 1 row", rows[n * 7 // 10][6].lower()),
        ("ASCII, newest 20% of rows", "aj2024"),
        ("ASCII, only the oldest 20% of rows", "aj2020"),
        ("Chinese 1 char", "峰"),
        ("Chinese 2 chars, every row", "合同"),
        ("Chinese 2 chars, trade name (rare)", one_client[2:4]),
        ("Chinese 4 chars, city + trade name", one_client[:4]),
        ("Chinese 10 chars, one company", one_client),
        ("no match, Chinese", "不存在的客户"),
        ("no match, ASCII", "zz-404"),
    ]


async def search_bench(
    session: AsyncSession, terms: list[tuple[str, str]], *, indexed: bool, deep: Page
) -> None:
    repo = ContractRepository(session)
    runs = 30 if indexed else 5  # the scan is slow; a few runs show it

    def statement(term: str, **kw: Any) -> Any:
        args: dict[str, Any] = {"owner_id": None, "status": None, "after": None, "limit": 21} | kw
        if indexed:
            return repo.page_query(query=term, **args)
        # The query as it was before the indexes: the same LIKE, no gram condition.
        return repo.page_query(query=None, **args).where(search_condition(term, postgres=False))

    async def search(term: str, **kw: Any) -> list[Any]:
        if indexed:  # the repository's own path, custom plans included
            args: dict[str, Any] = {"owner_id": None, "status": None, "after": None} | kw
            return await repo.page(query=term, limit=21, **args)
        return list((await session.execute(statement(term, **kw))).scalars())

    async def note(term: str, **kw: Any) -> str:
        found = len(await search(term, **kw))
        plan = plan_summary(await repo.explain(statement(term, **kw)))
        return f"   rows {found:>2}   q={term}   plan: {plan}"

    for label, term in terms:
        await timed(label, lambda t=term: search(t), runs=runs, note=await note(term))  # type: ignore[misc]
    for label, term, kw in [
        ("lawyer's own list (500 rows)", "合同", {"owner_id": "lawyer-7"}),
        ("Chinese 2 chars, page after 50,000 rows", "科技", {"after": deep}),
        ("ASCII, page after 50,000 rows", "aj2022", {"after": deep}),
    ]:
        await timed(
            label,
            lambda t=term, k=kw: search(t, **k),  # type: ignore[misc]
            runs=runs,
            note=await note(term, **kw),
        )


async def main(rows: int) -> None:
    with PostgresDatabase(postgres_admin_url_or_skip(), prefix="bench") as url:
        await asyncio.to_thread(
            upgrade, script_location=MIGRATIONS, database_url=url, revision=BEFORE_SEARCH_INDEXES
        )
        data = records(rows)
        t0 = time.perf_counter()
        await fill(url, data)
        print(f"inserted {rows} applications in {time.perf_counter() - t0:.1f} s")
        terms = search_terms(data)
        engine = create_engine(url)
        sessions = make_sessionmaker(engine)
        async with sessions() as session:
            repo = ContractRepository(session)
            first = await repo.page(owner_id=None, status=None, query=None, after=None, limit=20)
            deep = decode_cursor(
                encode_cursor(
                    (
                        await repo.page(
                            owner_id=None, status=None, query=None, after=None, limit=50_000
                        )
                    )[-1]
                )
            )

            async def page(**kw):  # type: ignore[no-untyped-def]
                args = {
                    "owner_id": None,
                    "status": None,
                    "query": None,
                    "after": None,
                    "limit": 21,
                } | kw
                return await repo.page(**args)

            await timed("risk control, first page", lambda: page())
            await timed("risk control, page after 50,000 rows", lambda: page(after=deep))
            await timed("lawyer (500 rows), first page", lambda: page(owner_id="lawyer-7"))
            await timed(
                "risk control, status=submitted, deep", lambda: page(status="submitted", after=deep)
            )
            assert len(first) == 20
            print(f"\nsearch BEFORE: no search indexes (revision {BEFORE_SEARCH_INDEXES}), 5 runs")
            await search_bench(session, terms, indexed=False, deep=deep)

        t0 = time.perf_counter()
        await asyncio.to_thread(upgrade, script_location=MIGRATIONS, database_url=url)
        print(f"\nmigrated to head (pg_trgm + gram indexes) in {time.perf_counter() - t0:.1f} s")
        async with sessions() as session:
            await session.execute(text("ANALYZE contracts"))
            await session.commit()
            print("search AFTER: pg_trgm indexes for 3+ characters, gram index for 1-2, 30 runs")
            await search_bench(session, terms, indexed=True, deep=deep)
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    asyncio.run(main(parser.parse_args().rows))
