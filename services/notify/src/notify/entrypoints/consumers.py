"""Thin event handlers: every published event goes to one use case (messages and webhooks)."""

from __future__ import annotations

from lexseal_events import ALL_EVENTS
from servicekit.consumer import EventConsumer

from ..service_layer.handlers import record_event

consumer = EventConsumer()

# Bound to every event type: partner webhooks may ask for any of them.
for _event_cls in ALL_EVENTS:
    consumer.on(_event_cls)(record_event)
