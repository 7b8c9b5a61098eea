"""Measure the review service on PostgreSQL: event intake rate and queue/detail latency at size.

Run: .venv/bin/python services/review/bench/queue_bench.py [--rounds 5000]
Needs the local PostgreSQL (DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

from lexseal_events import ContractSubmitted, ContractSubmittedData, DocumentRef, SignerInfo
from review.bootstrap import MIGRATIONS
from review.config import Settings
from review.deps import ReviewDeps
from review.entrypoints.consumers import handlers
from review.entrypoints.schemas import ReviewDetailPublic, ReviewItemPublic
from review.service_layer import queries
from servicekit.auth import RISK_CONTROL, Principal
from servicekit.db import create_engine, make_sessionmaker
from servicekit.migrations import upgrade
from servicekit.testing import DEFAULT_PG_ADMIN, PostgresDatabase
from servicekit.uow import UnitOfWork

SIGNERS = [
    SignerInfo(
        signer_id=f"s{i}",
        kind="enterprise" if i % 2 else "individual",
        name=f"签署方{i}",
        id_number="11010519491231002X",
        bank_account_number="6222000011112222",
    )
    for i in range(4)
]


def event(n: int, *, contracts: int) -> ContractSubmitted:
    # every contract is submitted twice: the second round supersedes the first
    return ContractSubmitted(
        source="lexseal/contract",
        subject=f"c-{n % contracts}",
        data=ContractSubmittedData(
            contract_id=f"c-{n % contracts}",
            round=1 + n // contracts,
            owner_id=f"lawyer-{n % 50}",
            owner_name="张律师",
            title=f"合同 {n}",
            contract_type="purchase",
            client_name="甲公司",
            document=DocumentRef(sha256="d" * 64, size=1, url="http://contract/internal/x"),
            signers=SIGNERS,
        ),
    )


def ms(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=100)
    return f"p50 {q[49] * 1000:.1f} ms, p95 {q[94] * 1000:.1f} ms"


async def main(rounds: int) -> None:
    with PostgresDatabase(os.environ.get("DATABASE_URL", DEFAULT_PG_ADMIN), prefix="bench") as url:
        await asyncio.to_thread(upgrade, script_location=MIGRATIONS, database_url=url)
        engine = create_engine(url)
        sm = make_sessionmaker(engine)

        def uow() -> UnitOfWork:
            return UnitOfWork(sm, source="lexseal/review")

        consumer = handlers.bind(ReviewDeps(settings=Settings()))
        started = time.perf_counter()
        for n in range(rounds):
            await consumer.handle(event(n, contracts=max(1, rounds // 2)).to_json(), uow)
        took = time.perf_counter() - started
        print(f"intake: {rounds} contract.submitted in {took:.1f}s = {rounds / took:.0f} events/s")

        for view in ("pending", "decided"):
            samples = []
            for _ in range(50):
                t = time.perf_counter()
                async with uow() as u:
                    page = await queries.queue(u, view=view, cursor=None, limit=50)
                    [ReviewItemPublic.of(r) for r in page.rows]
                samples.append(time.perf_counter() - t)
            print(f"queue {view} (count {page.count}, page of 50): {ms(samples)}")

        async with uow() as u:
            first = (await queries.queue(u, view="pending", cursor=None, limit=1)).rows[0].id
        p = Principal(id="risk-1", username="r", display_name="r", roles=frozenset({RISK_CONTROL}))
        samples = []
        for _ in range(50):
            t = time.perf_counter()
            async with uow() as u:
                row, history = await queries.item(u, user=p, round_id=first)
                ReviewDetailPublic.detail(row, history)
            samples.append(time.perf_counter() - t)
        print(f"item detail: {ms(samples)}")
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5000)
    asyncio.run(main(parser.parse_args().rounds))
