"""Thin event handlers: each hands the event to its use case."""

from __future__ import annotations

from lexseal_events import DocumentSealed, SealFailed
from servicekit.consumer import EventConsumer
from servicekit.uow import UnitOfWork

from ..config import Settings
from ..service_layer import sealing


def build_consumer(settings: Settings) -> EventConsumer:
    """Return the consumer of the signing service's answers, bound to `settings`."""
    consumer = EventConsumer()

    @consumer.on(DocumentSealed)
    async def document_sealed(uow: UnitOfWork, event: DocumentSealed) -> None:
        await sealing.on_document_sealed(uow, event, settings=settings)

    @consumer.on(SealFailed)
    async def seal_failed(uow: UnitOfWork, event: SealFailed) -> None:
        await sealing.on_seal_failed(uow, event)

    return consumer
