"""Thin event handlers: each hands the event to its use case."""

from __future__ import annotations

from lexseal_events import (
    Completed,
    CounterpartySigned,
    Declined,
    Expired,
    InvitationCreated,
    ReviewApproved,
    ReviewRejected,
    Voided,
)
from servicekit.consumer import EventConsumer
from servicekit.uow import UnitOfWork

from ..adapters.document_store import DocumentStore
from ..service_layer import events


def build_consumer(*, store: DocumentStore, secret: str, max_signed_bytes: int) -> EventConsumer:
    """Return the consumer of review and signing events, bound to this app's document store."""
    consumer = EventConsumer()
    consumer.on(ReviewApproved)(events.review_approved)
    consumer.on(ReviewRejected)(events.review_rejected)
    consumer.on(InvitationCreated)(events.invitation_created)
    consumer.on(CounterpartySigned)(events.counterparty_signed)
    consumer.on(Declined)(events.declined)
    consumer.on(Voided)(events.voided)
    consumer.on(Expired)(events.expired)

    @consumer.on(Completed)
    async def on_completed(uow: UnitOfWork, event: Completed) -> None:
        await events.completed(uow, event, store=store, secret=secret, max_bytes=max_signed_bytes)

    return consumer
