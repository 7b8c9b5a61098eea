"""Thin event handlers: each hands the event to its use case."""

from __future__ import annotations

from lexseal_events import (
    Completed,
    ContractSubmitted,
    CounterpartySigned,
    Declined,
    ReviewApproved,
    ReviewRejected,
)
from servicekit.consumer import EventConsumer

from ..service_layer.handlers import record_event

consumer = EventConsumer()

for _event_cls in (ContractSubmitted, ReviewApproved, ReviewRejected, CounterpartySigned, Declined, Completed):
    consumer.on(_event_cls)(record_event)


