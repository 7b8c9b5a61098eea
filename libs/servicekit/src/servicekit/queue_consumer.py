"""The supervised queue consumer: connect, declare, consume, apply in batches, retry, never stall.

- A supervisor task keeps one connection and channel to the broker; when they are lost (or
  were never there: the service starts without the broker) it reconnects with backoff,
  declares the topology again and resumes consuming.
- Deliveries wait in a local buffer for one ordered worker. Each carries the generation of
  the channel it came on: when that channel is lost, its deliveries are dropped from the
  buffer (the broker redelivers every unacknowledged message) and an ack on the dead
  channel is skipped (the effect is committed; the redelivery is a duplicate the inbox skips).
- The worker is supervised too: if it ever ends, it is restarted at once.
- A failed message is copied to a delay queue with its attempt number and acknowledged, so
  it never holds back the messages behind it; after the last attempt it is dead-lettered.
- `health()` tells whether the consumer is connected, and whether work has been waiting
  without progress for longer than `stall_after` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any

from aiormq.abc import AbstractChannel as AmqpChannel
from aiormq.abc import AbstractConnection as AmqpConnection
from aiormq.abc import DeliveredMessage

from .consumer import EventConsumer, PoisonMessage, handler_done
from .delivery import Delivery, describe, not_ready, retry_properties
from .messaging import RETRY_DELAYS, connect, declare_service_queue, retry_queue_name
from .metrics import EVENTS_CONSUMED
from .tracing import consuming, received
from .uow import UowFactory

log = logging.getLogger("servicekit.consumer")


def _awaiting(task: asyncio.Task[None]) -> str:
    """Return the chain of awaits a task is suspended in, innermost last."""
    lines: list[str] = []
    coro: Any = task.get_coro()
    while coro is not None and len(lines) < 60:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is not None:
            lines.append(f"  {frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}")
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
    return "\n".join(lines)


class QueueConsumer:
    """Consume a service's queue into its EventConsumer; supervised and safe to lose the broker."""

    def __init__(
        self,
        consumer: EventConsumer,
        *,
        amqp_url: str,
        exchange: str,
        queue_name: str,
        uow_factory: UowFactory,
        prefetch: int = 32,
        max_batch: int = 32,
        max_attempts: int = 5,
        max_deliveries: int = 5,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        stall_after: float = 60.0,
    ) -> None:
        self._consumer = consumer
        self._url = amqp_url
        self._exchange = exchange
        self.queue_name = queue_name
        self._uow_factory = uow_factory
        self._prefetch = prefetch
        self._max_batch = max_batch
        self._max_attempts = max_attempts
        self._max_deliveries = max_deliveries
        self._delays = tuple(retry_delays) or RETRY_DELAYS
        self._stall_after = stall_after
        self._buffer: deque[Delivery] = deque()
        self._arrived = asyncio.Event()
        self._in_hand: list[Delivery] = []  # taken by the worker, not yet settled
        self._live: int | None = None  # generation of the channel consuming now
        self._generations = 0
        self._last_progress = time.monotonic()
        self._down_since: float | None = time.monotonic()
        self._error = "not connected yet"
        self._stopping = False
        self._connection: AmqpConnection | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self.abandoned = 0  # batches given up on after hanging twice the stall limit
        self.connected_once = asyncio.Event()
        self.first_attempt = asyncio.Event()  # set once the first connection attempt is over
        self.worker_restarts = 0

    # -- life cycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Start consuming in the background; returns at once, whether or not the broker is up."""
        self._stopping = False
        self._start_worker()
        self._supervisor = asyncio.create_task(self._supervise(), name=f"{self.queue_name}-amqp")
        self._watchdog = asyncio.create_task(self._watch(), name=f"{self.queue_name}-watchdog")

    async def stop(self, grace: float = 10.0) -> None:
        """Stop taking deliveries, let the batch in hand finish, close the connection."""
        self._stopping = True  # no new deliveries are taken, no new batch is started
        self._buffer.clear()  # unacknowledged: the broker hands them out again
        deadline = time.monotonic() + grace
        while self._in_hand and time.monotonic() < deadline:  # noqa: ASYNC110 - short, bounded
            await asyncio.sleep(0.02)
        self._live = None
        for task in (self._watchdog, self._worker, self._supervisor):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self._close()

    # -- health -------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """Tell whether the consumer holds a live channel on the broker."""
        return self._live is not None and not (
            self._connection is None or self._connection.is_closed
        )

    @property
    def down_since(self) -> float | None:
        """Return when (monotonic) the consumer lost or last failed to reach the broker."""
        return None if self.connected else self._down_since

    @property
    def error(self) -> str:
        """Return why the consumer is not consuming ('' while it is)."""
        return self._error

    @property
    def waiting(self) -> int:
        """Return how many deliveries are buffered or being applied."""
        return len(self._buffer) + len(self._in_hand)

    def health(self) -> tuple[str, str]:
        """Return ('ok' | 'down' | 'stalled', reason): stalled = work waiting, no progress."""
        now = time.monotonic()
        if not self.connected:
            since = now - (self._down_since or now)
            return "down", f"not consuming {self.queue_name}: {self._error} (for {since:.0f}s)"
        idle = now - self._last_progress
        if self.waiting and idle > self._stall_after:
            return "stalled", (
                f"{self.waiting} deliveries waiting on {self.queue_name}, "
                f"no progress for {idle:.0f}s (limit {self._stall_after:.0f}s)"
            )
        if self._worker is None or self._worker.done():
            return "stalled", "the worker is not running"
        return "ok", ""

    # -- the connection -----------------------------------------------------------------

    async def _supervise(self) -> None:
        delay = 0.5
        while not self._stopping:
            try:
                await self._consume_until_lost()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._error = describe(exc)
            finally:
                self.first_attempt.set()
            if self._live is not None:
                delay = 0.5  # it was consuming: try again soon, then back off
            self._lost()
            if self._stopping:
                return
            log.warning(
                "consumer of %s has no broker (%s); reconnecting in %.1fs",
                self.queue_name,
                self._error,
                delay,
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def _consume_until_lost(self) -> None:
        conn = self._connection = await connect(self._url)
        # confirms, and a returned publish raises: a retry copy is trusted only once stored
        channel = await conn.channel(publisher_confirms=True, on_return_raises=True)
        await declare_service_queue(
            channel,
            exchange=self._exchange,
            queue=self.queue_name,
            routing_keys=self._consumer.routing_keys,
            max_deliveries=self._max_deliveries,
            retry_delays=self._delays,
        )
        await channel.basic_qos(prefetch_count=self._prefetch)
        self._generations += 1
        generation = self._generations
        self._live = generation  # before consuming: deliveries arrive at once
        await channel.basic_consume(
            self.queue_name, partial(self._on_message, generation, channel), no_ack=False
        )
        if self._generations > 1 or self._error != "not connected yet":
            log.info(
                "consuming %s again (after %.1fs without the broker)",
                self.queue_name,
                time.monotonic() - (self._down_since or time.monotonic()),
            )
        else:
            log.info("consuming %s", self.queue_name)
        self._down_since = None
        self._error = ""
        self._last_progress = time.monotonic()
        self.connected_once.set()
        self.first_attempt.set()
        watches = [asyncio.ensure_future(channel.closing), asyncio.ensure_future(conn.closing)]
        for watch in watches:  # each ends with the error that closed it: read it, always
            watch.add_done_callback(lambda f: f.cancelled() or f.exception())
        done, _ = await asyncio.wait(watches, return_when=asyncio.FIRST_COMPLETED)
        first = done.pop()
        self._error = "connection lost: " + describe(
            None if first.cancelled() else first.exception()
        )

    def _lost(self) -> None:
        if self._live is not None or self._down_since is None:
            self._down_since = time.monotonic()
        self._live = None
        dropped = len(self._buffer)
        self._buffer.clear()
        if dropped:
            log.info("dropped %d buffered deliveries of a lost channel: redelivered", dropped)
        task = asyncio.create_task(self._close())
        task.add_done_callback(lambda t: t.cancelled() or t.exception())

    async def _close(self) -> None:
        conn, self._connection = self._connection, None
        if conn is not None and not conn.is_closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), timeout=5)

    async def _on_message(
        self, generation: int, channel: AmqpChannel, message: DeliveredMessage
    ) -> None:
        if generation != self._live or self._stopping:
            return  # from a channel given up, or stopping: the broker redelivers it
        try:
            event = self._consumer.parse(message.body)
        except PoisonMessage as exc:
            EVENTS_CONSUMED.labels(type="?", outcome="poison").inc()
            log.error("dead-lettered a message that is not a known event: %s", exc)
            await self._settle(channel, generation, message, "reject")
            return
        if not self._buffer and not self._in_hand:
            self._last_progress = time.monotonic()  # work starts waiting now
        self._buffer.append(Delivery(generation, channel, message, event))
        self._arrived.set()

    # -- the worker ---------------------------------------------------------------------

    async def _watch(self) -> None:
        """Break a hang: work in hand with no progress for twice the stall limit is given up.

        /readyz says 'stalled' after `stall_after`; after twice that the worker is cancelled
        (its transaction rolls back), what it held goes back to the broker and a new worker
        starts. A handler stuck on something that never answers cannot hold the queue forever.
        """
        while True:
            await asyncio.sleep(max(0.2, min(5.0, self._stall_after / 2)))
            idle = time.monotonic() - self._last_progress
            worker = self._worker
            if not self._in_hand or idle <= 2 * self._stall_after or worker is None:
                continue
            held = ", ".join(f"{d.event.type} {d.event.id}" for d in self._in_hand[:5])
            stack = _awaiting(worker)  # where it waits: the cause of the hang
            log.error(
                "consumer of %s made no progress for %.0fs applying %d events (%s); giving "
                "them back to the broker and restarting the worker. It was waiting in:\n%s",
                self.queue_name,
                idle,
                len(self._in_hand),
                held,
                stack,
            )
            self.abandoned += 1
            self._last_progress = time.monotonic()
            worker.cancel()

    def _start_worker(self) -> None:
        self._worker = asyncio.create_task(self._work(), name=f"{self.queue_name}-worker")
        self._worker.add_done_callback(self._worker_ended)

    def _worker_ended(self, task: asyncio.Task[None]) -> None:
        if self._stopping:
            return
        exc = None if task.cancelled() else task.exception()
        self.worker_restarts += 1
        log.error("consumer worker of %s ended (%s); restarting it", self.queue_name, exc)
        self._release()
        self._start_worker()

    def _release(self) -> None:
        """Hand back what the worker held unsettled: the broker delivers it again."""
        held, self._in_hand = self._in_hand, []
        for d in held:
            task = asyncio.create_task(self._settle(d.channel, d.generation, d.message, "requeue"))
            task.add_done_callback(lambda t: t.cancelled() or t.exception())

    async def _work(self) -> None:
        handler_done.set(self._progressed)  # this task's context only
        while True:
            while not self._buffer or self._stopping:
                self._arrived.clear()
                await self._arrived.wait()
            batch: list[Delivery] = []
            while self._buffer and len(batch) < self._max_batch:
                delivery = self._buffer.popleft()
                if delivery.generation == self._live:
                    batch.append(delivery)
            self._in_hand = batch
            try:
                if len(batch) > 1 and await self._apply_batch(batch):
                    self._in_hand = []
                    continue
                while self._in_hand:
                    await self._apply_one(self._in_hand[0])
                    self._in_hand.pop(0)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug of our own: hand the batch back, the broker redelivers
                log.exception("consumer worker of %s failed; carrying on", self.queue_name)
                self._release()

    def _progressed(self) -> None:
        self._last_progress = time.monotonic()

    async def _apply_batch(self, batch: list[Delivery]) -> bool:
        try:
            with received((d.event.id, d.message.header.properties.headers) for d in batch):
                outcomes = await self._consumer.apply_batch(
                    [d.event for d in batch], self._uow_factory
                )
        except Exception:
            log.warning(
                "a batch of %d events failed; applying them one by one", len(batch), exc_info=True
            )
            return False
        for delivery, outcome in zip(batch, outcomes, strict=True):
            EVENTS_CONSUMED.labels(type=delivery.event.type, outcome=outcome).inc()
        # one ack covers the batch: deliveries of one channel are acked in order
        last = batch[-1]
        if all(d.generation == last.generation for d in batch):
            await self._settle(last.channel, last.generation, last.message, "ack", multiple=True)
        else:
            for d in batch:
                await self._settle(d.channel, d.generation, d.message, "ack")
        return True

    async def _apply_one(self, delivery: Delivery) -> None:
        event = delivery.event
        attempt = delivery.attempt
        try:
            with (
                received([(event.id, delivery.message.header.properties.headers)]),
                consuming(event.type, event.id),
            ):
                outcome = await self._consumer.apply(event, self._uow_factory)
        except Exception as exc:
            if not not_ready(exc):
                await self._failed(delivery, attempt)
                return
            EVENTS_CONSUMED.labels(type=event.type, outcome="not_ready").inc()
            delay = self._delays[0]
            log.warning(
                "event %s %s: a dependency is not ready (%s); retrying in %gs, "
                "attempt %d/%d (not counted)",
                event.type,
                event.id,
                describe(exc),
                delay,
                attempt,
                self._max_attempts,
            )
            await self._retry(delivery, attempt=attempt, delay=delay)
            return
        EVENTS_CONSUMED.labels(type=event.type, outcome=outcome).inc()
        await self._settle(delivery.channel, delivery.generation, delivery.message, "ack")

    async def _failed(self, delivery: Delivery, attempt: int) -> None:
        """Retry a failed delivery after its delay, or dead-letter it after the last attempt."""
        event = delivery.event
        if attempt >= self._max_attempts:
            EVENTS_CONSUMED.labels(type=event.type, outcome="dead_lettered").inc()
            log.exception(
                "event %s %s failed on attempt %d/%d; dead-lettered to %s.dlq",
                event.type,
                event.id,
                attempt,
                self._max_attempts,
                self.queue_name,
            )
            await self._settle(delivery.channel, delivery.generation, delivery.message, "reject")
            return
        EVENTS_CONSUMED.labels(type=event.type, outcome="retry").inc()
        delay = self._delays[min(attempt, len(self._delays)) - 1]
        log.exception(
            "event %s %s failed on attempt %d/%d; retrying in %gs",
            event.type,
            event.id,
            attempt,
            self._max_attempts,
            delay,
        )
        await self._retry(delivery, attempt=attempt + 1, delay=delay)

    async def _retry(self, delivery: Delivery, *, attempt: int, delay: float) -> None:
        """Copy the message to the delay queue (confirmed), then acknowledge the original.

        If the copy cannot be published the original stays unacknowledged and the broker
        redelivers it; if the ack is lost after the copy, both come back and the inbox
        applies the event once.
        """
        properties = retry_properties(delivery.message.header.properties, attempt=attempt)
        if delivery.generation != self._live:
            return  # the channel is gone: the broker redelivers the original
        try:
            await delivery.channel.basic_publish(
                delivery.message.body,
                exchange="",
                routing_key=retry_queue_name(self.queue_name, delay),
                properties=properties,
                mandatory=True,  # no retry queue (deleted?): returned, raises, not acked
            )
        except Exception as exc:
            log.warning(
                "could not schedule the retry of %s (%s): the broker redelivers it",
                delivery.event.id,
                describe(exc),
            )
            return
        await self._settle(delivery.channel, delivery.generation, delivery.message, "ack")

    async def _settle(
        self,
        channel: AmqpChannel,
        generation: int,
        message: DeliveredMessage,
        verdict: str,
        *,
        multiple: bool = False,
    ) -> None:
        """Ack or reject on the delivery's own channel; a lost channel means redelivery."""
        self._last_progress = time.monotonic()
        tag = getattr(message.delivery, "delivery_tag", None)
        if generation != self._live or channel.is_closed or tag is None:
            log.info(
                "a delivery's channel is gone before its %s: the broker redelivers it", verdict
            )
            return
        call: Callable[[], Awaitable[Any]]
        if verdict == "ack":
            call = partial(channel.basic_ack, tag, multiple=multiple)
        elif verdict == "requeue":
            call = partial(channel.basic_nack, tag, requeue=True)
        else:
            call = partial(channel.basic_reject, tag, requeue=False)
        try:
            await call()
        except Exception as exc:
            log.info(
                "could not %s a delivery (%s): the broker redelivers it", verdict, describe(exc)
            )
