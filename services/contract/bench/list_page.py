"""Insert 100,000 applications into a throw-away PostgreSQL database and time list pages.

Run: .venv/bin/python services/contract/bench/list_page.py [--rows 100000]
Target: a page (first or deep, lawyer or risk control) in well under 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
from contract.adapters.repository import ContractRepository
from contract.bootstrap import MIGRATIONS
from contract.service_layer.queries import decode_cursor, encode_cursor
from servicekit.db import create_engine, make_sessionmaker
from servicekit.migrations import upgrade
from servicekit.testing import PostgresDatabase, postgres_admin_url_or_skip

OWNERS = [f"lawyer-{i}" for i in range(200)]
STATUSES = ["draft", "submitted", "approved", "rejected", "signing", "completed"]


async def fill(url: str, rows: int) -> None:
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    start = datetime(2024, 1, 1, tzinfo=UTC)
    records = [
        (
            str(uuid.uuid4()),
            OWNERS[i % len(OWNERS)],
            "律师",
            f"合同{i}",
            "service",
            f"客户{i % 997}",
            f"AJ-{i}",
            STATUSES[i % len(STATUSES)],
            0,
            start + timedelta(seconds=i // 3),
            start,
        )
        for i in range(rows)
    ]
    try:
        await conn.copy_records_to_table(
            "contracts",
            records=records,
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


async def timed(label: str, fn, runs: int = 30) -> None:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - t0) * 1000)
    median, p95 = statistics.median(samples), sorted(samples)[int(runs * 0.95) - 1]
    print(f"{label:<44} median {median:6.2f} ms   p95 {p95:6.2f} ms")


async def main(rows: int) -> None:
    with PostgresDatabase(postgres_admin_url_or_skip(), prefix="bench") as url:
        await asyncio.to_thread(upgrade, script_location=MIGRATIONS, database_url=url)
        t0 = time.perf_counter()
        await fill(url, rows)
        print(f"inserted {rows} applications in {time.perf_counter() - t0:.1f} s")
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
            await timed(
                "search q=客户42 (scan, no trigram index)", lambda: page(query="客户42"), runs=5
            )
            assert len(first) == 20
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    asyncio.run(main(parser.parse_args().rows))
