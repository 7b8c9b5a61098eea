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
        try:
            event = parse_event(body)
        except (UnknownEventType, InvalidEvent) as exc:
            raise PoisonMessage(str(exc)) from exc
        handler = self._handlers.get(event.type)
        if handler is None:
            return "ignored"
        token = correlation_id_var.set(event.correlationid)
        try:
            async with uow_factory() as uow:
                if await uow.already_applied(event.id):
                    return "duplicate"
                uow.mark_applied(event)
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
) -> None:
    """Subscribe `consumer` to the service's (already declared) queue on a FastStream broker."""
    queue = RabbitQueue(queue_name, declare=False)

    @broker.subscriber(  # type: ignore[untyped-decorator]
        queue,
        ack_policy=AckPolicy.MANUAL,
        title=f"{queue_name}:events",
        # bounded prefetch: replicas share the queue fairly and a crash strands few messages
        channel=Channel(prefetch_count=prefetch),
    )
    async def on_event(message: RabbitMessage) -> None:
        # Take the raw body: parsing is ours (one discriminated union, poison → DLQ).
        body = message.body
        deliveries = int((message.headers or {}).get("x-delivery-count", 0) or 0)
        try:
            outcome = await consumer.handle(body, uow_factory)
        except PoisonMessage as exc:
            EVENTS_CONSUMED.labels(type="?", outcome="poison").inc()
            log.error("dead-lettering a message that is not a known event: %s", exc)
            await message.reject(requeue=False)
            return
        except Exception:
            EVENTS_CONSUMED.labels(type=message.raw_message.type or "?", outcome="error").inc()
            log.exception("event handler failed (delivery %d); will be redelivered", deliveries + 1)
            # Back off a little so a transient fault (database restart) can pass;
            # the quorum queue's delivery limit dead-letters a message that keeps failing.
            await asyncio.sleep(min(0.2 * 2**deliveries, 5.0))
            await message.nack(requeue=True)
            return
        EVENTS_CONSUMED.labels(type=message.raw_message.type or "?", outcome=outcome).inc()
        await message.ack()
