"""Queue depth as Prometheus gauges: messages waiting in a service's queue (consumer lag) and
in its dead-letter queue, read by passive declares every `interval` seconds on a connection of
its own (a broker that is away only leaves the last values, and is retried)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import aiormq
from aiormq.abc import AbstractConnection as AmqpConnection
from prometheus_client import Gauge

from .dlq import dlq_name
from .messaging import connect

log = logging.getLogger("servicekit.queue_metrics")

QUEUE_MESSAGES = Gauge(
    "lexseal_queue_messages", "Messages ready in a service's queue (consumer lag)", ["queue"]
)
QUEUE_CONSUMERS = Gauge("lexseal_queue_consumers", "Consumers on a service's queue", ["queue"])
DLQ_MESSAGES = Gauge("lexseal_dlq_messages", "Dead-lettered messages waiting", ["queue"])


class QueueDepthProbe:
    """Keep the depth gauges of `queue` and `<queue>.dlq` fresh."""

    def __init__(self, *, amqp_url: str, queue: str, interval: float = 15.0) -> None:
        self._amqp_url = amqp_url
        self._queue = queue
        self._interval = interval
        self._conn: AmqpConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        """Probe in the background."""
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        """Stop probing and close the connection."""
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            # aiormq may turn the cancellation of an RPC in flight into an AMQP error: the
            # loop then ends by the flag, and shutdown never waits longer than this bound.
            await asyncio.wait({self._task}, timeout=5.0)
        if self._conn is not None and not self._conn.is_closed:
            with contextlib.suppress(Exception):
                await self._conn.close()

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.check_once()
            except (OSError, aiormq.exceptions.AMQPError, TimeoutError) as exc:
                if self._stopping.is_set():
                    return  # stop() cancelled a read in flight and aiormq reported it as an error
                log.debug("queue depth of %s not read: %s", self._queue, exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self._interval)

    async def _depth(self, queue: str) -> tuple[int, int] | None:
        assert self._conn is not None
        channel = await self._conn.channel()
        try:
            ok = await channel.queue_declare(queue, passive=True)
        except aiormq.exceptions.ChannelNotFoundEntity:
            return None  # not declared yet
        finally:
            if not channel.is_closed:
                await channel.close()
        return int(ok.message_count or 0), int(ok.consumer_count or 0)

    async def check_once(self) -> None:
        """Read both depths now."""
        if self._conn is None or self._conn.is_closed:
            self._conn = await connect(self._amqp_url)
        main = await self._depth(self._queue)
        if main is not None:
            QUEUE_MESSAGES.labels(self._queue).set(main[0])
            QUEUE_CONSUMERS.labels(self._queue).set(main[1])
        dead = await self._depth(dlq_name(self._queue))
        if dead is not None:
            DLQ_MESSAGES.labels(self._queue).set(dead[0])
