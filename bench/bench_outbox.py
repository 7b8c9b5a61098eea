"""Benchmark the outbox relay against raw pipelined publishing, and commit → effect latency.

Run: `make bench-outbox` (needs the local PostgreSQL and RabbitMQ). Prints each figure next to
the raw baseline measured in the same run, as a ratio. Targets (issue #2): relay ≥ 0.7× raw
pipelined-confirm rate; p99 commit → consumer effect < 50 ms at 500 events/s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime

import aio_pika
from faststream.rabbit import RabbitBroker
from lexseal_events import ContractWithdrawn, ContractWithdrawnData
from servicekit.consumer import EventConsumer, attach_to_broker
from servicekit.db import create_engine, make_sessionmaker
from servicekit.messaging import declare_exchange, declare_service_queue, delete_topology
from servicekit.metrics import OUTBOX_PUBLISHED
from servicekit.relay import OutboxRelay
from servicekit.tables import OutboxMessage
from servicekit.testing import PostgresDatabase, amqp_url_or_skip, postgres_admin_url_or_skip
from servicekit.uow import UnitOfWork
from sqlalchemy import insert
from sqlmodel import SQLModel

PAD = "x" * 700  # makes each event ~1 KB, like the baseline in shared/notes


def event(i: int) -> ContractWithdrawn:
    return ContractWithdrawn(
        source="lexseal/bench",
        subject=f"c-{i}",
        data=ContractWithdrawnData(
            contract_id=f"c-{i}", round=1, owner_id="o", actor_id="o", reason=PAD
        ),
    )


async def raw_publish_rate(amqp_url: str, exchange: str, n: int, in_flight: int) -> float:
    """Publish n persistent 1 KB messages with `in_flight` confirms outstanding; return msg/s."""
    conn = await aio_pika.connect_robust(amqp_url)
    async with conn:
        ch = await conn.channel(publisher_confirms=True)
        ex = await declare_exchange(ch, exchange)
        body = event(0).to_json()
        start = time.perf_counter()
        for i in range(0, n, in_flight):
            await asyncio.gather(
                *(
                    ex.publish(
                        aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                        routing_key="contract.withdrawn",
                    )
                    for _ in range(min(in_flight, n - i))
                )
            )
        return n / (time.perf_counter() - start)


async def relay_rate(db_url: str, amqp_url: str, exchange: str, n: int, batch: int) -> float:
    """Fill the outbox with n events, start the relay, return events/s until drained."""
    engine = create_engine(db_url)
    async with engine.begin() as conn:
        rows = [
            {
                "id": e.id,
                "type": e.type,
                "subject": e.subject,
                "correlation_id": "",
                "payload": e.model_dump_json(),
                "created_at": datetime.now(UTC),
            }
            for e in (event(i) for i in range(n))
        ]
        for i in range(0, n, 1000):
            await conn.execute(insert(OutboxMessage), rows[i : i + 1000])
    relay = OutboxRelay(
        sessionmaker=make_sessionmaker(engine),
        amqp_url=amqp_url,
        exchange=exchange,
        skip_locked=True,
        batch=batch,
    )
    before = OUTBOX_PUBLISHED._value.get()  # the relay's own counter: no polling queries
    start = time.perf_counter()
    await relay.start()
    try:
        while OUTBOX_PUBLISHED._value.get() - before < n:  # noqa: ASYNC110 - polls a counter
            await asyncio.sleep(0.005)
        return n / (time.perf_counter() - start)
    finally:
        await relay.stop()
        await engine.dispose()


async def consume(amqp_url: str, exchange: str, queue: str, db_url: str, expect: int) -> None:
    """Consumer process: apply events through the kit's idempotent consumer, print latencies."""
    engine = create_engine(db_url)
    sm = make_sessionmaker(engine)
    consumer = EventConsumer()
    effects: list[float] = []
    done = asyncio.Event()

    @consumer.on(ContractWithdrawn)
    async def applied(uow: UnitOfWork, e: ContractWithdrawn) -> None:
        # event.time is stamped just before the writer's commit: this over-estimates a little
        effects.append((datetime.now(UTC) - e.time).total_seconds() * 1000)
        if len(effects) >= expect:
            done.set()

    def uow() -> UnitOfWork:
        return UnitOfWork(sm, source="lexseal/bench-consumer")

    broker = RabbitBroker(amqp_url, logger=None)
    attach_to_broker(consumer, broker=broker, queue_name=queue, uow_factory=uow)
    await broker.start()
    print("ready", flush=True)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(done.wait(), timeout=120)
    await broker.stop()
    await engine.dispose()
    print(json.dumps(effects), flush=True)


async def latency(
    db_url: str,
    consumer_db_url: str,
    amqp_url: str,
    exchange: str,
    queue_prefix: str,
    rate: int,
    seconds: float,
) -> list[float]:
    """Commit `rate` events/s through the unit of work; return commit→effect latencies (ms)."""
    engine = create_engine(db_url)
    sm = make_sessionmaker(engine)
    relay = OutboxRelay(sessionmaker=sm, amqp_url=amqp_url, exchange=exchange, skip_locked=True)
    await relay.start()
    queue = f"{queue_prefix}.bench"
    conn = await aio_pika.connect_robust(amqp_url)
    async with conn:
        await declare_service_queue(
            await conn.channel(),
            exchange=exchange,
            queue=queue,
            routing_keys=["contract.withdrawn"],
            max_deliveries=5,
        )
    total = int(rate * seconds)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--consumer",
        amqp_url,
        exchange,
        queue,
        consumer_db_url,
        str(total),
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    await proc.stdout.readline()  # "ready"
    try:
        start = time.perf_counter()
        for i in range(total):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            async with UnitOfWork(sm, source="lexseal/bench", on_commit=relay.wake) as u:
                u.publish(event(i))
                await u.commit()
        out = await proc.stdout.readline()
        await proc.wait()
    finally:
        await relay.stop()
        await engine.dispose()
    return list(json.loads(out))


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=20000, help="events for the throughput runs")
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--batch", type=int, default=500, help="relay batch size")
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    amqp_url = amqp_url_or_skip()
    run = uuid.uuid4().hex[:8]
    exchange, prefix = f"lexseal.bench.{run}", f"lexseal.bench.{run}"
    try:
        admin = postgres_admin_url_or_skip()
        with (
            PostgresDatabase(admin, prefix="bench") as db_url,
            PostgresDatabase(admin, prefix="benchc") as consumer_db_url,
        ):
            for url in (db_url, consumer_db_url):
                engine = create_engine(url)
                async with engine.begin() as conn:
                    await conn.run_sync(SQLModel.metadata.create_all)
                await engine.dispose()
            raw = raw_publish_rate(amqp_url, exchange, args.n, 100)
            raw_rate = await raw
            relay = await relay_rate(db_url, amqp_url, exchange, args.n, args.batch)
            lat = await latency(
                db_url, consumer_db_url, amqp_url, exchange, prefix, args.rate, args.seconds
            )
    finally:
        conn2 = await aio_pika.connect_robust(amqp_url)
        async with conn2:
            await delete_topology(
                await conn2.channel(), exchange=exchange, queues=[f"{prefix}.bench"]
            )
    print(f"raw aio-pika publish, 100 confirms in flight : {raw_rate:8.0f} msg/s   (baseline)")
    print(
        f"outbox relay (PostgreSQL, SKIP LOCKED)       : {relay:8.0f} ev/s    "
        f"ratio {relay / raw_rate:.2f}x  (target >= 0.70x)"
    )
    print(
        f"commit -> consumer effect at {args.rate}/s for {args.seconds:.0f}s: "
        f"{len(lat)} events, p50 {statistics.median(lat):.1f} ms, p99 {pct(lat, 0.99):.1f} ms "
        f"(target p99 < 50 ms)"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--consumer":
        a = sys.argv[2:]
        asyncio.run(consume(a[0], a[1], a[2], a[3], int(a[4])))
    else:
        asyncio.run(main())
