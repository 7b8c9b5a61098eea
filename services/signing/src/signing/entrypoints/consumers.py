"""Thin event handlers: each hands the event to its use case."""

from __future__ import annotations

from lexseal_events import ContractWithdrawn, LetterApproved, ReviewApproved
from servicekit.consumer import EventHandlers
from servicekit.uow import UnitOfWork

from ..deps import SigningDeps
from ..service_layer import envelopes, letters

handlers = EventHandlers[SigningDeps]()


@handlers.on(ReviewApproved)
async def on_review_approved(uow: UnitOfWork, event: ReviewApproved, deps: SigningDeps) -> None:
    """Prepare the signing envelope of an approved contract."""
    await envelopes.prepare_envelope(uow, event, settings=deps.settings)


@handlers.on(ContractWithdrawn)
async def on_contract_withdrawn(
    uow: UnitOfWork, event: ContractWithdrawn, deps: SigningDeps
) -> None:
    """Void the envelope of a withdrawn contract."""
    await envelopes.withdraw_contract(uow, event)


@handlers.on(LetterApproved)
async def on_letter_approved(uow: UnitOfWork, event: LetterApproved, deps: SigningDeps) -> None:
    """Seal an approved firm letter."""
    await letters.seal_letter(
        uow, event, settings=deps.settings, pki=deps.pki, engine=deps.engine, firm=deps.firm
    )
