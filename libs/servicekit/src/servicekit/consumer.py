"""The idempotent consumer: each event is applied once, in the same transaction as its inbox row."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any, Generic, TypeVar

from lexseal_events import CloudEvent, InvalidEvent, UnknownEventType, parse_event
from sqlalchemy.exc import IntegrityError

from .context import correlation_id_var
from .tracing import consuming
from .uow import UnitOfWork, UowFactory

log = logging.getLogger("servicekit.consumer")

E = TypeVar("E", bound=CloudEvent)
D = TypeVar("D")
Handler = Callable[[UnitOfWork, Any], Awaitable[object]]
DepsHandler = Callable[[UnitOfWork, Any, D], Awaitable[object]]

# Set by the worker that applies events (queue_consumer): told after each handler returns, so
# a long batch of slow handlers is seen progressing, not stalled. Per task, not global.
handler_done: ContextVar[Callable[[], None] | None] = ContextVar("handler_done", default=None)


class PoisonMessage(Exception):
    """The message can never be applied (not an event, unknown type): dead-letter it now."""


class NotReady(Exception):
    """A dependency of the handler is not ready yet: retry later without spending an attempt."""


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
                uow.applying = event
                try:
                    with consuming(event.type, event.id):
                        await handler(uow, event)
                finally:
                    correlation_id_var.reset(token)
                _tell_progress()
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
                uow.applying = event
                await handler(uow, event)
                _tell_progress()
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


class EventHandlers(Generic[D]):
    """A service's event handlers, each called as `handler(uow, event, deps)`.

    Declared once per service beside its routes (`handlers = EventHandlers[ReviewDeps]()`,
    `@handlers.on(ContractSubmitted)`), handed to `create_service_app(handlers=...)`; the
    kit binds them to the dependencies the composition root built (`bind`) before the
    first delivery, so a handler never meets a half-built service.
    """

    def __init__(self) -> None:
        self._handlers: dict[str, DepsHandler[D]] = {}

    def on(
        self, event_cls: type[E]
    ) -> Callable[[Callable[[UnitOfWork, E, D], Awaitable[object]]], DepsHandler[D]]:
        """Register the handler for one event class (decorator)."""
        event_type = event_cls.model_fields["type"].default

        def register(fn: Callable[[UnitOfWork, E, D], Awaitable[object]]) -> DepsHandler[D]:
            if event_type in self._handlers:
                raise ValueError(f"{event_type} already has a handler")
            self._handlers[event_type] = fn
            return fn

        return register

    @property
    def routing_keys(self) -> list[str]:
        """Return the event types handled (the queue's bindings)."""
        return sorted(self._handlers)

    def bind(self, deps: D) -> EventConsumer:
        """Return the idempotent consumer that calls each handler with `deps`."""
        consumer = EventConsumer()
        for event_type, fn in self._handlers.items():
            consumer._handlers[event_type] = _bound(fn, deps)
        return consumer


def _bound(fn: DepsHandler[D], deps: D) -> Handler:
    async def handler(uow: UnitOfWork, event: Any) -> object:
        return await fn(uow, event, deps)

    handler.__name__ = getattr(fn, "__name__", "handler")
    handler.__qualname__ = getattr(fn, "__qualname__", "handler")
    return handler


def _tell_progress() -> None:
    done = handler_done.get()
    if done is not None:
        done()
