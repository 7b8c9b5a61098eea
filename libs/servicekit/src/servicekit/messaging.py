"""Topology: one durable topic exchange, a quorum queue per service, retry and dead-letter queues.

```
exchange (topic) ──routing keys──> <queue> ──rejected after the last attempt──> <queue>.dlq
                                     │  ▲
                    failed attempt n │  │ the delay has passed (dead-lettered back)
                                     ▼  │
                          <queue>.retry.<delay>ms  (one queue per delay: x-message-ttl)
```
A failed message is copied to the retry queue of its delay and acknowledged, so the messages
behind it go on at once; when the delay has passed the broker moves it back to `<queue>`.
One queue per delay keeps expiry in arrival order (a TTL only expires a queue's head).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import aiormq
from aiormq.abc import AbstractChannel as AmqpChannel
from aiormq.abc import AbstractConnection as AmqpConnection
from yarl import URL

DLX_SUFFIX = ".dlx"
# Waits between attempts of a failing message: a database restart or a slow dependency
# passes within them; the last one repeats for any further attempts.
RETRY_DELAYS: tuple[float, ...] = (1.0, 5.0, 30.0)
HEARTBEAT = 15  # seconds: a broker that silently went away is noticed within ~2 heartbeats
CONNECT_TIMEOUT = 10.0


def retry_queue_name(queue: str, delay: float) -> str:
    """Return the name of `queue`'s retry queue for `delay` seconds."""
    return f"{queue}.retry.{round(delay * 1000)}ms"


async def connect(amqp_url: str) -> AmqpConnection:
    """Open a plain (not self-reconnecting) AMQP connection; the caller supervises it.

    A heartbeat is set unless the URL names one, so a dead peer is noticed.
    """
    url = URL(amqp_url)
    if "heartbeat" not in url.query:
        url = url.update_query(heartbeat=HEARTBEAT)
    conn: AmqpConnection = await asyncio.wait_for(aiormq.connect(url), timeout=CONNECT_TIMEOUT)
    return conn


async def _amqp(channel: Any) -> AmqpChannel:
    """Accept an aiormq channel or an aio-pika one (its underlying aiormq channel)."""
    if hasattr(channel, "get_underlay_channel"):
        underlay: AmqpChannel = await channel.get_underlay_channel()
        return underlay
    amqp: AmqpChannel = channel
    return amqp


async def declare_exchange(channel: Any, name: str) -> None:
    """Declare the durable topic exchange every event is published to."""
    ch = await _amqp(channel)
    await ch.exchange_declare(exchange=name, exchange_type="topic", durable=True)


async def declare_service_queue(
    channel: Any,
    *,
    exchange: str,
    queue: str,
    routing_keys: list[str],
    max_deliveries: int,
    retry_delays: Sequence[float] = RETRY_DELAYS,
) -> None:
    """Declare `queue` bound to `routing_keys`, its retry queues and `queue.dlq`."""
    ch = await _amqp(channel)
    await declare_exchange(ch, exchange)
    dlx = exchange + DLX_SUFFIX
    await ch.exchange_declare(exchange=dlx, exchange_type="direct", durable=True)
    await ch.queue_declare(f"{queue}.dlq", durable=True, arguments={"x-queue-type": "quorum"})
    await ch.queue_bind(f"{queue}.dlq", dlx, routing_key=f"{queue}.dlq")
    # The quorum queue's own delivery limit is the backstop for a message that never gets
    # as far as a verdict (it crashes the process, or channels keep dropping under it); the
    # consumer's attempts (retry queues) are what normally dead-letters a failing message.
    await ch.queue_declare(
        queue,
        durable=True,
        arguments={
            "x-queue-type": "quorum",
            "x-delivery-limit": max_deliveries,
            "x-dead-letter-exchange": dlx,
            "x-dead-letter-routing-key": f"{queue}.dlq",
        },
    )
    for delay in sorted(set(retry_delays)):
        await ch.queue_declare(
            retry_queue_name(queue, delay),
            durable=True,
            arguments={
                "x-queue-type": "quorum",
                "x-message-ttl": round(delay * 1000),
                # back to the service's queue through the default exchange, at least once
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": queue,
                "x-dead-letter-strategy": "at-least-once",
                "x-overflow": "reject-publish",
            },
        )
    for key in routing_keys:
        await ch.queue_bind(queue, exchange, routing_key=key)


async def delete_topology(
    channel: Any,
    *,
    exchange: str,
    queues: list[str],
    retry_delays: Sequence[float] = RETRY_DELAYS,
) -> None:
    """Delete test queues and exchanges (tests clean up after themselves)."""
    ch = await _amqp(channel)
    for name in queues:
        retries = [retry_queue_name(name, d) for d in sorted(set(retry_delays))]
        for q in (name, f"{name}.dlq", *retries):
            await ch.queue_delete(q, if_unused=False, if_empty=False)
    await ch.exchange_delete(exchange)
    await ch.exchange_delete(exchange + DLX_SUFFIX)
