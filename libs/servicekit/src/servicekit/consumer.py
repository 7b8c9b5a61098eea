"""The idempotent consumer: each event is applied once, in the same transaction as its inbox row."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from faststream import AckPolicy
from faststream.rabbit import Channel, RabbitMessage, RabbitQueue
from lexseal_events import CloudEvent, InvalidEvent, UnknownEventType, parse_event
from sqlalchemy.exc import IntegrityError

from .context import correlation_id_var
from .metrics import EVENTS_CONSUMED
from .uow import UnitOfWork, UowFactory

log = logging.getLogger("servicekit.consumer")

E = TypeVar("E", bound=CloudEvent)
Handler = Callable[[UnitOfWork, Any], Awaitable[object]]


class PoisonMessage(Exception):
    """The message can never be applied (not an event, unknown type): dead-letter it now."""


class EventConsumer:
    """Route events by type to handlers; skip events already applied."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    def on(
        self, event_cls: type[E]
    ) -> Callable[[Callable[[UnitOfWork, E], Awaitable[object]]], Handler]:
        """Register the handler for one event class (decorator)."""
        event_type = event_cls.model_fields["type"].default

        def register(fn: Callable[[UnitOfWork, E], Awaitable[object]]) -> Handler:
            self._handlers[event_type] = fn
            return fn

        return register

    @property
    def routing_keys(self) -> list[str]:
        """Return the event types this consumer handles (its queue bindings)."""
        return sorted(self._handlers)

    async def handle(self, body: bytes, uow_factory: UowFactory) -> str:
        """Apply one message; return 'applied', 'duplicate' or 'ignored'."""
        return await self.apply(self.parse(body), uow_factory)

    @staticmethod
    def parse(body: bytes) -> CloudEvent:
        """Parse a message body; raise PoisonMessage when it can never be applied."""
        try:
            return parse_event(body)
        except (UnknownEventType, InvalidEvent) as exc:
            raise PoisonMessage(str(exc)) from exc

    async def apply_batch(self, events: list[CloudEvent], uow_factory: UowFactory) -> list[str]:
        """Apply several events in one transaction; raise if any fails (nothing is kept)."""
        outcomes: list[str] = []
        async with uow_factory() as uow:
            uow.begin_batch()
            fresh = await uow.claim_many([e for e in events if e.type in self._handlers])
            for event in events:
                handler = self._handlers.get(event.type)
                if handler is None:
                    outcomes.append("ignored")
                    continue
                if event.id not in fresh:
                    outcomes.append("duplicate")
                    continue
                fresh.discard(event.id)  # the same event twice in one batch applies once
                token = correlation_id_var.set(event.correlationid)
                try:
                    await handler(uow, event)
                finally:
                    correlation_id_var.reset(token)
                outcomes.append("applied")
            await uow.end_batch()
        return outcomes

    async def apply(self, event: CloudEvent, uow_factory: UowFactory) -> str:
        """Apply a parsed event once; return 'applied', 'duplicate' or 'ignored'."""
        handler = self._handlers.get(event.type)
        if handler is None:
            return "ignored"
        token = correlation_id_var.set(event.correlationid)
        try:
            async with uow_factory() as uow:
                if not await uow.claim(event):
                    return "duplicate"
                await handler(uow, event)
                try:
                    await uow.commit()
                except IntegrityError:
                    # Another replica applied the same redelivered event first.
                    await uow.rollback()
                    async with uow_factory() as check:
                        if await check.already_applied(event.id):
                            return "duplicate"
                    raise
            return "applied"
        finally:
            correlation_id_var.reset(token)


def attach_to_broker(
    consumer: EventConsumer,
    *,
    broker: Any,
    queue_name: str,
    uow_factory: UowFactory,
    prefetch: int = 32,
    max_batch: int = 32,
) -> None:
    """Subscribe `consumer` to the service's (already declared) queue on a FastStream broker.

    One worker applies events in arrival order. Whatever has arrived while it was busy is
    applied as one batch in one transaction (one commit for many events: a consumer is
    bounded by per-transaction cost, not by the broker). If anything in a batch fails, the
    batch is rolled back and its events are applied one by one, so a failing event is
    retried (and eventually dead-lettered) alone.

    Create the broker with `apply_types=False`: the handler takes the raw message (parsing is
    ours), so FastStream's dependency injection would only add cost — it ran four small
    sync steps per message in a worker thread, about half of FastStream's per-message CPU
    in bench/bench_outbox.py.
    """
    queue = RabbitQueue(queue_name, declare=False)
    pending: asyncio.Queue[tuple[RabbitMessage, CloudEvent]] = asyncio.Queue()
    worker: list[asyncio.Task[None]] = []

    async def as_is(message: RabbitMessage) -> RabbitMessage:
        return message  # the handler gets the message itself, undecoded

    @broker.subscriber(  # type: ignore[untyped-decorator]
        queue,
        decoder=as_is,
        ack_policy=AckPolicy.MANUAL,
        title=f"{queue_name}:events",
        # bounded prefetch: replicas share the queue fairly and a crash strands few messages
        channel=Channel(prefetch_count=prefetch),
    )
    async def on_event(message: RabbitMessage) -> None:
        # Take the raw body: parsing is ours (one discriminated union, poison → DLQ).
        try:
            event = consumer.parse(message.body)
        except PoisonMessage as exc:
            EVENTS_CONSUMED.labels(type="?", outcome="poison").inc()
            log.error("dead-lettering a message that is not a known event: %s", exc)
            await message.reject(requeue=False)
            return
        if not worker or worker[0].done():
            worker[:] = [asyncio.create_task(_work(), name=f"{queue_name}-consumer")]
        pending.put_nowait((message, event))

    async def _work() -> None:
        while True:
            batch = [await pending.get()]
            while len(batch) < max_batch and not pending.empty():
                batch.append(pending.get_nowait())
            if len(batch) > 1 and await _apply_batch(batch):
                continue
            for message, event in batch:
                await _apply_one(message, event)

    async def _apply_batch(batch: list[tuple[RabbitMessage, CloudEvent]]) -> bool:
        try:
            outcomes = await consumer.apply_batch([e for _, e in batch], uow_factory)
        except Exception:
            log.warning("a batch of %d events failed; applying them one by one", len(batch))
            return False
        for (message, event), outcome in zip(batch, outcomes, strict=True):
            EVENTS_CONSUMED.labels(type=event.type, outcome=outcome).inc()
            await message.ack()
        return True

    async def _apply_one(message: RabbitMessage, event: CloudEvent) -> None:
        deliveries = int((message.headers or {}).get("x-delivery-count", 0) or 0)
        try:
            outcome = await consumer.apply(event, uow_factory)
        except Exception:
            EVENTS_CONSUMED.labels(type=event.type, outcome="error").inc()
            log.exception("event handler failed (delivery %d); will be redelivered", deliveries + 1)
            # Back off a little so a transient fault (database restart) can pass;
            # the quorum queue's delivery limit dead-letters a message that keeps failing.
            await asyncio.sleep(min(0.2 * 2**deliveries, 5.0))
            await message.nack(requeue=True)
            return
        EVENTS_CONSUMED.labels(type=event.type, outcome=outcome).inc()
        await message.ack()
