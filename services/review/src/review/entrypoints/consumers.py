"""Thin event handlers: each hands the event to its use case."""

from __future__ import annotations

from lexseal_events import ContractSubmitted, ContractWithdrawn
from servicekit.consumer import EventHandlers
from servicekit.uow import UnitOfWork

from ..deps import ReviewDeps
from ..service_layer import intake

handlers = EventHandlers[ReviewDeps]()


@handlers.on(ContractSubmitted)
async def on_contract_submitted(
    uow: UnitOfWork, event: ContractSubmitted, deps: ReviewDeps
) -> None:
    """Queue a review round for the submitted application."""
    await intake.open_round(uow, event)


@handlers.on(ContractWithdrawn)
async def on_contract_withdrawn(
    uow: UnitOfWork, event: ContractWithdrawn, deps: ReviewDeps
) -> None:
    """Close the withdrawn application's open round."""
    await intake.withdraw_round(uow, event)
