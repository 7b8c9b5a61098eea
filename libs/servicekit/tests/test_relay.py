"""The relay's fast path: published at once, marked sent in batches, never lost or repeated."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aio_pika
import pytest
from lexseal_events import ContractWithdrawn, ContractWithdrawnData
from servicekit.db import create_engine, make_sessionmaker
from servicekit.messaging import declare_service_queue
from servicekit.relay import OutboxRelay
from servicekit.tables import OutboxMessage
from servicekit.uow import UnitOfWork
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import SQLModel, col

pytestmark = pytest.mark.integration


def withdrawn(i: int) -> ContractWithdrawn:
    return ContractWithdrawn(
        source="lexseal/test",
        subject=f"c-{i}",
        data=ContractWithdrawnData(contract_id=f"c-{i}", round=1, owner_id="o", actor_id="o"),
    )


@pytest.fixture
async def sessionmaker(pg_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(pg_url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def queue(
    amqp_url: str, names: dict[str, str], cleanup_topology: list[str]
) -> AsyncIterator[aio_pika.abc.AbstractQueue]:
    name = f"{names['queue_prefix']}.relay"
    cleanup_topology.append(name)
    conn = await aio_pika.connect_robust(amqp_url)
    async with conn:
        channel = await conn.channel()
        await declare_service_queue(
            channel,
            exchange=names["exchange"],
            queue=name,
            routing_keys=["contract.withdrawn"],
            max_deliveries=3,
        )
        yield await channel.get_queue(name)


def relay_for(
    sessionmaker: async_sessionmaker[AsyncSession],
    amqp_url: str,
    names: dict[str, str],
    **timing: float,
) -> OutboxRelay:
    return OutboxRelay(
        sessionmaker=sessionmaker,
        amqp_url=amqp_url,
        exchange=names["exchange"],
        skip_locked=True,
        **timing,
    )


async def commit_events(sm: async_sessionmaker[AsyncSession], relay: OutboxRelay, n: int) -> None:
    for i in range(n):
        async with UnitOfWork(sm, source="lexseal/test", on_commit=relay.committed) as uow:
            uow.publish(withdrawn(i))
            await uow.commit()


async def drain(queue: aio_pika.abc.AbstractQueue, expect: int, timeout: float = 10) -> list[str]:
    """Take every message from the queue, waiting until `expect` arrived and a moment more."""
    ids: list[str] = []
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        msg = await queue.get(fail=False)
        if msg is None:
            if len(ids) >= expect:
                return ids
            await asyncio.sleep(0.05)
            continue
        ids.append(str(msg.message_id))
        await msg.ack()
    return ids


async def unsent(sm: async_sessionmaker[AsyncSession]) -> int:
    async with sm() as s:
        q = select(func.count()).where(col(OutboxMessage.published_at).is_(None))
        return int((await s.execute(q)).scalar_one())


async def test_fast_path_marks_in_batches_and_the_sweep_repeats_nothing(
    sessionmaker: async_sessionmaker[AsyncSession],
    amqp_url: str,
    names: dict[str, str],
    queue: aio_pika.abc.AbstractQueue,
) -> None:
    relay = relay_for(
        sessionmaker,
        amqp_url,
        names,
        poll_interval=0.1,
        sweep_grace=0.4,  # the sweep would republish anything left unmarked this long
        mark_interval=0.1,
    )
    await relay.start()
    try:
        await commit_events(sessionmaker, relay, 40)
        await asyncio.sleep(1.5)  # several sweeps after the grace period
        ids = await drain(queue, 40)
        assert len(ids) == 40 and len(set(ids)) == 40  # each exactly once
        assert await unsent(sessionmaker) == 0
    finally:
        await relay.stop()


async def test_stopping_marks_what_was_published(
    sessionmaker: async_sessionmaker[AsyncSession],
    amqp_url: str,
    names: dict[str, str],
    queue: aio_pika.abc.AbstractQueue,
) -> None:
    relay = relay_for(
        sessionmaker,
        amqp_url,
        names,
        sweep_grace=60,
        mark_interval=30,  # nothing is marked while running
    )
    await relay.start()
    try:
        await commit_events(sessionmaker, relay, 5)
        assert len(await drain(queue, 5)) == 5  # published at once
        assert await unsent(sessionmaker) == 5  # not yet marked
    finally:
        await relay.stop()
    assert await unsent(sessionmaker) == 0  # a clean stop leaves nothing to publish again


async def test_rows_left_unmarked_by_a_crash_are_published_again_by_the_sweep(
    sessionmaker: async_sessionmaker[AsyncSession],
    amqp_url: str,
    names: dict[str, str],
    queue: aio_pika.abc.AbstractQueue,
) -> None:
    crashed = relay_for(
        sessionmaker,
        amqp_url,
        names,
        sweep_grace=60,
        mark_interval=30,
    )
    await crashed.start()
    await commit_events(sessionmaker, crashed, 3)
    first = await drain(queue, 3)
    crashed._unmarked.clear()  # the process dies between publishing and marking
    await crashed.stop()
    survivor = relay_for(
        sessionmaker,
        amqp_url,
        names,
        poll_interval=0.1,
        sweep_grace=0.0,
    )
    await survivor.start()
    try:
        again = await drain(queue, 3)
        assert sorted(again) == sorted(first)  # at least once: consumers drop the repeats
        assert await unsent(sessionmaker) == 0
    finally:
        await survivor.stop()


async def test_a_batch_that_fails_to_publish_stays_unsent(
    sessionmaker: async_sessionmaker[AsyncSession],
    amqp_url: str,
    names: dict[str, str],
    queue: aio_pika.abc.AbstractQueue,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with UnitOfWork(sessionmaker, source="lexseal/test") as uow:  # no relay: left unsent
        for i in range(3):
            uow.publish(withdrawn(i))
        await uow.commit()
    relay = relay_for(sessionmaker, amqp_url, names)
    await relay.start()
    try:

        async def nacked(rows: object) -> None:
            raise RuntimeError("the broker nacked the batch")

        monkeypatch.setattr(relay, "_publish", nacked)
        with pytest.raises(RuntimeError):
            await relay.drain_once()
        assert await unsent(sessionmaker) == 3  # the claim and its mark were rolled back
        monkeypatch.undo()
        assert await relay.drain_once() == 3
        assert await unsent(sessionmaker) == 0
        assert len(await drain(queue, 3)) == 3
    finally:
        await relay.stop()
