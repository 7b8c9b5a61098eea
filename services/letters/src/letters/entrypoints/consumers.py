"""Thin event handlers: each hands the signing service's answer to its use case."""

from __future__ import annotations

from lexseal_events import DocumentSealed, SealFailed
from servicekit.consumer import EventHandlers
from servicekit.uow import UnitOfWork

from ..deps import LettersDeps
from ..service_layer import sealing

handlers = EventHandlers[LettersDeps]()


@handlers.on(DocumentSealed)
async def document_sealed(uow: UnitOfWork, event: DocumentSealed, deps: LettersDeps) -> None:
    """Keep the sealed letter and mark an electronic letter sealed."""
    await sealing.on_document_sealed(uow, event, settings=deps.settings)


@handlers.on(SealFailed)
async def seal_failed(uow: UnitOfWork, event: SealFailed, deps: LettersDeps) -> None:
    """Record why the seal could not be applied."""
    await sealing.on_seal_failed(uow, event)
