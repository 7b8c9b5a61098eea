"""`servicekit.dlq` against the real broker: list, show, replay one or all, safely."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aio_pika
import aiormq
import pytest
from aiormq import spec
from fastapi import FastAPI
from lexseal_events import ContractWithdrawn, ContractWithdrawnData
from prometheus_client import REGISTRY
from servicekit.app import ServiceKit, create_service_app
from servicekit.config import ServiceSettings
from servicekit.consumer import EventHandlers
from servicekit.db import create_engine
from servicekit.delivery import ATTEMPT_HEADER
from servicekit.dlq import REPLAYED_HEADER, DlqError, depths, peek, replay
from servicekit.messaging import connect, declare_service_queue
from servicekit.queue_metrics import QueueDepthProbe
from servicekit.uow import UnitOfWork
from sqlalchemy import func, select
from sqlmodel import Field, SQLModel

pytestmark = pytest.mark.integration


class DlqApplied(SQLModel, table=True):
    __tablename__ = "kit_dlq_applied"
    id: int | None = Field(default=None, primary_key=True)
    contract_id: str


def withdrawn(contract_id: str) -> ContractWithdrawn:
    return ContractWithdrawn(
        source="lexseal/test",
        subject=contract_id,
        data=ContractWithdrawnData(contract_id=contract_id, round=1, owner_id="o", actor_id="o"),
    )


@dataclass(frozen=True)
class DlqDeps:
    """The test service's dependencies: what its handler does before applying an event."""

    behaviour: Callable[[], None]


handlers = EventHandlers[DlqDeps]()


@handlers.on(ContractWithdrawn)
async def on_withdrawn(uow: UnitOfWork, event: ContractWithdrawn, deps: DlqDeps) -> None:
    deps.behaviour()
    uow.session.add(DlqApplied(contract_id=event.data.contract_id))


def build(settings: ServiceSettings, behaviour: Callable[[], None]) -> FastAPI:
    @asynccontextmanager
    async def deps(kit: ServiceKit) -> AsyncIterator[DlqDeps]:
        yield DlqDeps(behaviour=behaviour)

    return create_service_app(
        settings=settings,
        title="kit-dlq",
        description="test",
        routers=[],
        deps=deps,
        handlers=handlers,
    )


@pytest.fixture
async def settings(
    pg_url: str, amqp_url: str, names: dict[str, str], cleanup_topology: list[str]
) -> ServiceSettings:
    s = ServiceSettings(
        service_name="kitdlq",
        environment="test",
        database_url=pg_url,
        amqp_url=amqp_url,
        exchange=names["exchange"],
        queue_prefix=names["queue_prefix"],
        max_deliveries=2,
        retry_delays=(0.1,),
        log_json=False,
    )
    cleanup_topology.append(s.queue_name)
    engine = create_engine(pg_url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)
    await engine.dispose()
    return s


async def applied_count(settings: ServiceSettings) -> int:
    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            q = select(func.count()).select_from(DlqApplied.__table__)  # type: ignore[arg-type]
            return int((await conn.execute(q)).scalar_one())
    finally:
        await engine.dispose()


async def publish(amqp_url: str, exchange: str, body: bytes) -> None:
    conn = await aio_pika.connect(amqp_url)
    async with conn:
        ch = await conn.channel()
        ex = await ch.get_exchange(exchange)
        await ex.publish(
            aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
            routing_key="contract.withdrawn",
        )


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
    """Wait until `check()` holds (a bound against hanging, not a timing assertion)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"still not true after {timeout}s")


async def _dead_letter(amqp_url: str, exchange: str, queue: str, ids: list[str]) -> None:
    """Publish events as the relay does, then reject them as a consumer's last attempt does."""
    conn = await connect(amqp_url)
    try:
        ch = await conn.channel()
        await declare_service_queue(
            ch, exchange=exchange, queue=queue, routing_keys=["contract.#"], max_deliveries=5
        )
        for event_id in ids:
            body = json.dumps({"id": event_id, "type": "contract.withdrawn", "data": {}})
            await ch.basic_publish(
                body.encode(),
                exchange=exchange,
                routing_key="contract.withdrawn",
                properties=spec.Basic.Properties(
                    message_id=event_id,
                    message_type="contract.withdrawn",
                    delivery_mode=2,
                    headers={ATTEMPT_HEADER: 5},
                ),
            )
        for _ in ids:
            got = await ch.basic_get(queue, no_ack=False)
            assert got.delivery_tag is not None
            await ch.basic_reject(got.delivery_tag, requeue=False)
    finally:
        await conn.close()


async def _drain(amqp_url: str, queue: str) -> list[aiormq.abc.DeliveredMessage]:
    conn = await connect(amqp_url)
    out = []
    try:
        ch = await conn.channel()
        while True:
            got = await ch.basic_get(queue, no_ack=True)
            if isinstance(got.delivery, spec.Basic.GetEmpty):
                return out
            out.append(got)
    finally:
        await conn.close()


async def _wait_dlq(amqp_url: str, queue: str, n: int, timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if (await depths(amqp_url, [queue]))[f"{queue}.dlq"] == n:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{queue}.dlq never held {n}")


async def test_list_show_replay_one_then_all(
    amqp_url: str, names: dict[str, str], cleanup_topology: list[str]
) -> None:
    queue = f"{names['queue_prefix']}.contract"
    cleanup_topology.append(queue)
    await _dead_letter(amqp_url, names["exchange"], queue, ["e1", "e2", "e3"])
    await _wait_dlq(amqp_url, queue, 3)
    missing = f"{names['queue_prefix']}.nosuch"
    assert await depths(amqp_url, [queue, missing]) == {f"{queue}.dlq": 3, f"{missing}.dlq": None}

    probe = QueueDepthProbe(amqp_url=amqp_url, queue=queue, interval=3600)
    await probe.check_once()
    await probe.stop()
    assert REGISTRY.get_sample_value("lexseal_dlq_messages", {"queue": queue}) == 3
    assert REGISTRY.get_sample_value("lexseal_queue_messages", {"queue": queue}) == 0

    letters = await peek(amqp_url, queue)
    assert [x.event_id for x in letters] == ["e1", "e2", "e3"]
    assert letters[0].routing_key == "contract.withdrawn"
    assert letters[0].reason == "rejected" and letters[0].deaths == 1
    assert letters[0].to_json(with_body=True)["body"]["id"] == "e1"
    # looking takes nothing away
    assert (await depths(amqp_url, [queue]))[f"{queue}.dlq"] == 3

    with pytest.raises(DlqError, match="no message nope"):
        await replay(amqp_url, queue, exchange=names["exchange"], event_id="nope")
    assert (await depths(amqp_url, [queue]))[f"{queue}.dlq"] == 3

    one = await replay(amqp_url, queue, exchange=names["exchange"], event_id="e2")
    assert [x.event_id for x in one] == ["e2"]
    back = await _drain(amqp_url, queue)
    assert [m.header.properties.message_id for m in back] == ["e2"]
    headers = back[0].header.properties.headers or {}
    assert ATTEMPT_HEADER not in headers and "x-death" not in headers  # starts afresh
    assert headers[REPLAYED_HEADER] == 1
    assert sorted(x.event_id for x in await peek(amqp_url, queue)) == ["e1", "e3"]

    rest = await replay(amqp_url, queue, exchange=names["exchange"])
    assert sorted(x.event_id for x in rest) == ["e1", "e3"]
    assert sorted(m.header.properties.message_id for m in await _drain(amqp_url, queue)) == [
        "e1",
        "e3",
    ]
    assert (await depths(amqp_url, [queue]))[f"{queue}.dlq"] == 0


async def test_replay_routed_nowhere_stays_in_the_dlq(
    amqp_url: str, names: dict[str, str], cleanup_topology: list[str]
) -> None:
    queue = f"{names['queue_prefix']}.contract"
    cleanup_topology.append(queue)
    await _dead_letter(amqp_url, names["exchange"], queue, ["e1"])
    await _wait_dlq(amqp_url, queue, 1)
    other = names["exchange"] + ".unbound"
    conn = await connect(amqp_url)
    try:
        ch = await conn.channel()
        await ch.exchange_declare(
            exchange=other, exchange_type="topic", durable=False, auto_delete=False
        )
        with pytest.raises(DlqError, match="stays in the DLQ"):
            await replay(amqp_url, queue, exchange=other)
        await ch.exchange_delete(other)
    finally:
        await conn.close()
    await _wait_dlq(amqp_url, queue, 1)
    with pytest.raises(DlqError, match="no queue"):
        await peek(amqp_url, f"{names['queue_prefix']}.nosuch")


async def test_a_service_replay_fails_back_to_the_dlq_then_applies_once(
    settings: ServiceSettings, amqp_url: str
) -> None:
    """A real consumer: dead-lettered, replayed while still failing (back in the DLQ, counted
    as replayed), replayed once fixed (applied), replayed twice over (the inbox applies once)."""
    broken = True

    def flaky() -> None:
        if broken:
            raise RuntimeError("a bug, fixed by the next release")

    queue = settings.queue_name
    app = build(settings, flaky)
    async with app.router.lifespan_context(app):
        event = withdrawn("dlq-1")
        await publish(amqp_url, settings.exchange, event.to_json())
        await _wait_dlq(amqp_url, queue, 1, timeout=30)
        [letter] = await peek(amqp_url, queue)
        assert (letter.event_id, letter.reason, letter.attempt) == (event.id, "rejected", 2)
        assert await applied_count(settings) == 0

        async def probed() -> bool:  # the service's own depth probe is running
            return REGISTRY.get_sample_value("lexseal_queue_consumers", {"queue": queue}) == 1

        await eventually(probed)

        await replay(amqp_url, queue, exchange=settings.exchange, event_id=event.id)
        await eventually(lambda: _replayed_in_dlq(amqp_url, queue, 1))

        broken = False
        [letter] = await peek(amqp_url, queue)
        await replay(amqp_url, queue, exchange=settings.exchange, event_id=event.id)

        async def applied() -> bool:
            return await applied_count(settings) == 1

        await eventually(applied)
        # the same event again (a replay repeated after a crash before its ack): applied once
        await publish(amqp_url, settings.exchange, letter.body)
        await publish(amqp_url, settings.exchange, event.to_json())

        async def drained() -> bool:
            return (await depths(amqp_url, [queue]))[f"{queue}.dlq"] == 0 and (
                await _ready(amqp_url, queue)
            ) == 0

        await eventually(drained)
        await asyncio.sleep(0.5)
        assert await applied_count(settings) == 1
        assert (await depths(amqp_url, [queue]))[f"{queue}.dlq"] == 0


async def _ready(amqp_url: str, queue: str) -> int:
    conn = await connect(amqp_url)
    try:
        ok = await (await conn.channel()).queue_declare(queue, passive=True)
        return int(ok.message_count or 0)
    finally:
        await conn.close()


async def _replayed_in_dlq(amqp_url: str, queue: str, times: int) -> bool:
    letters = await peek(amqp_url, queue)
    return [x.replayed for x in letters] == [times]
