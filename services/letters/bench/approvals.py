"""Measure rendering and parallel approvals against the local PostgreSQL and RabbitMQ.

Run (from the repository root): .venv/bin/python services/letters/bench/approvals.py [N]
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aio_pika
from letters.bootstrap import create_app
from letters.config import Settings
from servicekit.messaging import delete_topology
from servicekit.pytest_plugin import running
from servicekit.testing import DEFAULT_AMQP, DEFAULT_PG_ADMIN, PostgresDatabase, TestIdentity


async def main(n: int) -> None:
    identity = TestIdentity()
    run = uuid.uuid4().hex[:8]
    with PostgresDatabase(DEFAULT_PG_ADMIN, prefix="bench") as url:
        settings = Settings(
            environment="test",
            database_url=url,
            amqp_url=DEFAULT_AMQP,
            exchange=f"lexseal.bench.{run}",
            queue_prefix=f"lexseal.bench.{run}",
            jwt_public_key=identity.public_key_pem,
            log_json=False,
            log_level="WARNING",
        )
        lawyer = identity.headers(user_id="lawyer-1", roles=["lawyer"])
        admin = identity.headers(user_id="clerk1", roles=["letter_admin"])
        date = (datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=1)).isoformat()
        payload = {
            "kind": "electronic",
            "case_serial_no": "MS-2026-000123",
            "cause_of_action": "民间借贷纠纷",
            "letter_type": "函",
            "recipient_org": "北京市朝阳区人民法院",
            "letter_date": date,
            "content": {
                "client_name": "张三",
                "matter": "一审诉讼代理",
                "body": "请予接洽。" * 40,
                "lawyers": [{"name": "王五", "licence_no": "11101201510123456"}],
            },
        }
        async with running(create_app(settings)) as a, running(create_app(settings)) as b:
            ids = []
            for _ in range(n):
                r = await a.post("/api/letters/letters", json=payload, headers=lawyer)
                ids.append(r.json()["id"])
                await a.post(f"/api/letters/letters/{ids[-1]}/submit", headers=lawyer)
            t0 = time.perf_counter()
            await a.get(f"/api/letters/letters/{ids[0]}/preview.pdf", headers=lawyer)
            t1 = time.perf_counter()
            await a.get(f"/api/letters/letters/{ids[0]}/preview.pdf", headers=lawyer)
            t2 = time.perf_counter()
            answers = await asyncio.gather(
                *[
                    (a if i % 2 else b).post(f"/api/letters/letters/{lid}/approve", headers=admin)
                    for i, lid in enumerate(ids)
                ]
            )
            t3 = time.perf_counter()
            assert all(x.status_code == 200 for x in answers)
        conn = await aio_pika.connect_robust(DEFAULT_AMQP)
        async with conn:
            await delete_topology(
                await conn.channel(), exchange=settings.exchange, queues=[settings.queue_name]
            )
        print(f"preview (first, font load): {1000 * (t1 - t0):.0f} ms")
        print(f"preview (warm):             {1000 * (t2 - t1):.0f} ms")
        print(
            f"{n} parallel approvals on 2 replicas: {t3 - t2:.2f} s "
            f"({n / (t3 - t2):.1f}/s, numbers serialised per (year, type))"
        )


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 30))
