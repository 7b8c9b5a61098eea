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
from datetime import UTC, datetime, timedelta

import aio_pika
import uvloop
from aiormq import spec
from lexseal_events import CloudEvent, ContractWithdrawn, ContractWithdrawnData
from servicekit.consumer import EventConsumer
from servicekit.db import create_engine, make_sessionmaker
from servicekit.heap import freeze_startup_heap
from servicekit.messaging import declare_exchange, declare_service_queue, delete_topology
from servicekit.metrics import OUTBOX_PUBLISHED
from servicekit.queue_consumer import QueueConsumer
from servicekit.relay import OutboxRelay
from servicekit.tables import OutboxMessage
from servicekit.testing import PostgresDatabase, amqp_url_or_skip, postgres_admin_url_or_skip
from servicekit.uow import SYSTEM, UnitOfWork, UowFactory
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


async def sink(amqp_url: str, exchange: str, queue: str) -> None:
    """Declare (or empty) the queue the throughput runs publish into."""
    conn = await aio_pika.connect_robust(amqp_url)
    async with conn:
        channel = await conn.channel()
        await declare_service_queue(
            channel,
            exchange=exchange,
            queue=queue,
            routing_keys=["contract.withdrawn"],
            max_deliveries=5,
        )
        await (await channel.get_queue(queue)).purge()


async def raw_publish_rate(amqp_url: str, exchange: str, n: int, in_flight: int) -> float:
    """Publish n persistent 1 KB messages with `in_flight` confirms outstanding; return msg/s.

    The same messages the relay publishes (body and properties), through the same client layer
    (aio-pika's channel at the aiormq level), without a database: the ratio is the relay's own
    cost, nothing else.
    """
    conn = await aio_pika.connect_robust(amqp_url)
    async with conn:
        ch = await conn.channel(publisher_confirms=True)
        await declare_exchange(ch, exchange)
        channel = await ch.get_underlay_channel()
        events = [event(i) for i in range(n)]
        bodies = [(e.id, e.to_json()) for e in events]
        now = datetime.now(UTC)
        start = time.perf_counter()
        for i in range(0, n, in_flight):
            await asyncio.gather(
                *(
                    channel.basic_publish(
                        body,
                        exchange=exchange,
                        routing_key="contract.withdrawn",
                        mandatory=True,
                        properties=spec.Basic.Properties(
                            content_type="application/cloudevents+json",
                            delivery_mode=2,
                            message_id=event_id,
                            message_type="contract.withdrawn",
                            timestamp=now,
                        ),
                    )
                    for event_id, body in bodies[i : i + in_flight]
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
                "created_at": datetime.now(UTC) - timedelta(minutes=1),
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


class TimedConsumer(EventConsumer):
    """The kit's consumer, noting when each event's transaction has committed."""

    def __init__(self, expect: int) -> None:
        super().__init__()
        self.applied: dict[str, float] = {}
        self.spent: list[float] = []
        self.started: dict[str, float] = {}
        self.expect = expect
        self.done = asyncio.Event()

    async def apply(self, event: CloudEvent, uow_factory: UowFactory) -> str:
        started = time.time()
        self.started[event.id] = started
        outcome = await super().apply(event, uow_factory)
        self.applied[event.id] = time.time()
        self.spent.append((self.applied[event.id] - started) * 1000)
        if len(self.applied) >= self.expect:
            self.done.set()
        return outcome

    async def apply_batch(self, events: list[CloudEvent], uow_factory: UowFactory) -> list[str]:
        started = time.time()
        outcomes = await super().apply_batch(events, uow_factory)
        done = time.time()
        for event in events:
            self.started[event.id], self.applied[event.id] = started, done
            self.spent.append((done - started) * 1000)
        if len(self.applied) >= self.expect:
            self.done.set()
        return outcomes


async def consume(amqp_url: str, exchange: str, queue: str, db_url: str, expect: int) -> None:
    """Consumer process: apply events through the kit's idempotent consumer, print when."""
    engine = create_engine(db_url)
    sm = make_sessionmaker(engine)
    consumer = TimedConsumer(expect)

    @consumer.on(ContractWithdrawn)
    async def applied(uow: UnitOfWork, e: ContractWithdrawn) -> None:
        # the effect: a row written in the same transaction as the inbox row
        uow.audit(actor=SYSTEM, action="withdrawn", object_type="contract", object_id=e.subject)

    def uow() -> UnitOfWork:
        return UnitOfWork(sm, source="lexseal/bench-consumer")

    # the supervised queue consumer every service runs
    subscription = QueueConsumer(
        consumer, amqp_url=amqp_url, exchange=exchange, queue_name=queue, uow_factory=uow
    )
    await subscription.start()
    await subscription.connected_once.wait()
    freeze_startup_heap()  # as a service does when its startup is done
    print("ready", flush=True)
    cpu = time.process_time()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(consumer.done.wait(), timeout=120)
    cpu = time.process_time() - cpu
    await subscription.stop()
    await engine.dispose()
    report = {"applied": consumer.applied, "started": consumer.started, "cpu": cpu}
    print(json.dumps(report), flush=True)
    print(
        f"  consumer part: apply (claim, effect, commit; per batch)"
        f" p50 {statistics.median(consumer.spent):.1f}"
        f" ms, p99 {pct(consumer.spent, 0.99):.1f} ms",
        file=sys.stderr,
    )


async def write(db_url: str, amqp_url: str, exchange: str, rate: float, seconds: float) -> None:
    """Writer process (a service replica): commit events at `rate`/s through the unit of work
    with its own outbox relay; print when each commit returned."""
    engine = create_engine(db_url)
    sm = make_sessionmaker(engine)
    relay = OutboxRelay(sessionmaker=sm, amqp_url=amqp_url, exchange=exchange, skip_locked=True)
    await relay.start()
    freeze_startup_heap()  # as a service does when its startup is done
    committed: dict[str, float] = {}
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # "go"
    cpu = time.process_time()
    start = time.perf_counter()
    for i in range(int(rate * seconds)):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        async with UnitOfWork(sm, source="lexseal/bench", on_commit=relay.committed) as u:
            e = u.publish(event(i))
            await u.commit()
            committed[e.id] = time.time()
    await asyncio.sleep(1.0)  # let the relay publish the last commits
    await relay.stop()
    cpu = time.process_time() - cpu
    await engine.dispose()
    print(json.dumps({"committed": committed, "cpu": cpu}), flush=True)


async def _spawn(*args: str) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        limit=64 * 1024 * 1024,  # each reports every event on one line
    )
    assert proc.stdout is not None
    await proc.stdout.readline()  # "ready"
    return proc


async def latency(
    db_url: str,
    consumer_db_url: str,
    amqp_url: str,
    exchange: str,
    queue_prefix: str,
    rate: int,
    seconds: float,
    writers: int,
) -> list[float]:
    """Commit `rate` events/s from `writers` replicas; return commit→effect latencies (ms)."""
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
    total = int(rate / writers * seconds) * writers
    consumer = await _spawn("--consumer", amqp_url, exchange, queue, consumer_db_url, str(total))
    procs = [
        await _spawn("--writer", db_url, amqp_url, exchange, str(rate / writers), str(seconds))
        for _ in range(writers)
    ]
    for p in procs:
        assert p.stdin is not None
        p.stdin.write(b"go\n")
        await p.stdin.drain()
    committed: dict[str, float] = {}
    writer_cpu = 0.0
    for p in procs:
        assert p.stdout is not None
        written = json.loads(await p.stdout.readline())
        committed.update(written["committed"])
        writer_cpu += written["cpu"]
        await p.wait()
    assert consumer.stdout is not None
    report = json.loads(await consumer.stdout.readline())
    await consumer.wait()
    applied: dict[str, float] = report["applied"]
    reach = sorted((report["started"][i] - t) * 1000 for i, t in committed.items() if i in applied)
    print(f"  commit -> apply starts (relay, broker, queueing) p50 {statistics.median(reach):.1f}")
    print(f"  ms, p99 {pct(reach, 0.99):.1f} ms; {len(applied)} of {len(committed)} applied")
    print(
        f"  CPU per event: writer (unit of work + relay) {writer_cpu / len(committed) * 1000:.2f}"
        f" ms, consumer {report['cpu'] / len(committed) * 1000:.2f} ms"
    )
    return [(applied[i] - t) * 1000 for i, t in committed.items() if i in applied]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=20000, help="events for the throughput runs")
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--batch", type=int, default=500, help="relay batch size")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument(
        "--writers", type=int, default=1, help="writer processes (service replicas) sharing --rate"
    )
    parser.add_argument(
        "--latency-only", action="store_true", help="skip the throughput runs (quicker)"
    )
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
            # Latency first, on a settled system: after the throughput runs PostgreSQL
            # vacuums 20,000 changed outbox rows and RabbitMQ compacts the drained queue,
            # which would be measured as this run's tail.
            lat = await latency(
                db_url,
                consumer_db_url,
                amqp_url,
                exchange,
                prefix,
                args.rate,
                args.seconds,
                args.writers,
            )
            raw_rate = relay = 0.0
            if not args.latency_only:
                # Both runs publish into a durable quorum queue, as in production: messages
                # nobody receives would be returned by the broker, not stored.
                await sink(amqp_url, exchange, f"{prefix}.sink")
                # the same number of confirms in flight as the relay's batch: a fair baseline
                raw_rate = await raw_publish_rate(amqp_url, exchange, args.n, args.batch)
                await sink(amqp_url, exchange, f"{prefix}.sink")
                relay = await relay_rate(db_url, amqp_url, exchange, args.n, args.batch)
    finally:
        conn2 = await aio_pika.connect_robust(amqp_url)
        async with conn2:
            await delete_topology(
                await conn2.channel(),
                exchange=exchange,
                queues=[f"{prefix}.bench", f"{prefix}.sink"],
            )
    if raw_rate:
        print(
            f"raw publish, {args.batch} confirms in flight        : {raw_rate:8.0f} msg/s"
            "   (baseline)"
        )
        print(
            f"outbox relay (PostgreSQL, SKIP LOCKED)       : {relay:8.0f} ev/s    "
            f"ratio {relay / raw_rate:.2f}x  (target >= 0.70x)"
        )
    print(
        f"commit -> consumer's effect committed, {args.rate}/s from {args.writers} writer(s), "
        f"{args.seconds:.0f}s: "
        f"{len(lat)} events, p50 {statistics.median(lat):.1f} ms, p99 {pct(lat, 0.99):.1f} ms "
        f"(target p99 < 50 ms)"
    )


if __name__ == "__main__":
    # uvloop, as in the services: uvicorn runs them on it (uvicorn[standard], loop "auto").
    if len(sys.argv) > 1 and sys.argv[1] == "--consumer":
        a = sys.argv[2:]
        uvloop.run(consume(a[0], a[1], a[2], a[3], int(a[4])))
    elif len(sys.argv) > 1 and sys.argv[1] == "--writer":
        a = sys.argv[2:]
        uvloop.run(write(a[0], a[1], a[2], float(a[3]), float(a[4])))
    else:
        uvloop.run(main())
