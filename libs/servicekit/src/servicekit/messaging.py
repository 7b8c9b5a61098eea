"""Topology: one durable topic exchange, a quorum queue per service, a dead-letter queue."""

from __future__ import annotations

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange

DLX_SUFFIX = ".dlx"


async def declare_exchange(channel: AbstractChannel, name: str) -> AbstractExchange:
    """Declare the durable topic exchange every event is published to."""
    return await channel.declare_exchange(name, aio_pika.ExchangeType.TOPIC, durable=True)


async def declare_service_queue(
    channel: AbstractChannel,
    *,
    exchange: str,
    queue: str,
    routing_keys: list[str],
    max_deliveries: int,
) -> None:
    """Declare `queue` bound to `routing_keys`, dead-lettering to `queue.dlq` after N tries."""
    ex = await declare_exchange(channel, exchange)
    dlx = await channel.declare_exchange(
        exchange + DLX_SUFFIX, aio_pika.ExchangeType.DIRECT, durable=True
    )
    dlq = await channel.declare_queue(
        f"{queue}.dlq", durable=True, arguments={"x-queue-type": "quorum"}
    )
    await dlq.bind(dlx, routing_key=f"{queue}.dlq")
    # Quorum queues count deliveries themselves: after max_deliveries the broker
    # dead-letters the message, so a poison message neither loops forever nor vanishes.
    q = await channel.declare_queue(
        queue,
        durable=True,
        arguments={
            "x-queue-type": "quorum",
            "x-delivery-limit": max_deliveries,
            "x-dead-letter-exchange": exchange + DLX_SUFFIX,
            "x-dead-letter-routing-key": f"{queue}.dlq",
        },
    )
    for key in routing_keys:
        await q.bind(ex, routing_key=key)


async def delete_topology(channel: AbstractChannel, *, exchange: str, queues: list[str]) -> None:
    """Delete test queues and exchanges (tests clean up after themselves)."""
    for name in queues:
        for q in (name, f"{name}.dlq"):
            await channel.queue_delete(q, if_unused=False, if_empty=False)
    await channel.exchange_delete(exchange)
    await channel.exchange_delete(exchange + DLX_SUFFIX)
