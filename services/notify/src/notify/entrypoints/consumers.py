"""Thin event handlers: every published event goes to one use case (messages and webhooks)."""

from __future__ import annotations

from lexseal_events import ALL_EVENTS, CloudEvent
from servicekit.consumer import EventHandlers
from servicekit.uow import UnitOfWork

from ..deps import NotifyDeps
from ..service_layer.handlers import record_event

handlers = EventHandlers[NotifyDeps]()


async def on_event(uow: UnitOfWork, event: CloudEvent, deps: NotifyDeps) -> None:
    """Add the notifications, e-mail/SMS copies and webhook deliveries the event causes."""
    await record_event(uow, event)


# Bound to every event type: partner webhooks may ask for any of them.
for _event_cls in ALL_EVENTS:
    handlers.on(_event_cls)(on_event)
