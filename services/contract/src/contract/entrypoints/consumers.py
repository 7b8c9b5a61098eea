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
from servicekit.consumer import EventHandlers
from servicekit.uow import UnitOfWork

from ..deps import ContractDeps
from ..service_layer import events

handlers = EventHandlers[ContractDeps]()


@handlers.on(ReviewApproved)
async def on_review_approved(uow: UnitOfWork, event: ReviewApproved, deps: ContractDeps) -> None:
    """Mark the current round approved."""
    await events.review_approved(uow, event)


@handlers.on(ReviewRejected)
async def on_review_rejected(uow: UnitOfWork, event: ReviewRejected, deps: ContractDeps) -> None:
    """Send the current round back to the lawyer."""
    await events.review_rejected(uow, event)


@handlers.on(InvitationCreated)
async def on_invitation_created(
    uow: UnitOfWork, event: InvitationCreated, deps: ContractDeps
) -> None:
    """Show the application as waiting for the counterparty."""
    await events.invitation_created(uow, event)


@handlers.on(CounterpartySigned)
async def on_counterparty_signed(
    uow: UnitOfWork, event: CounterpartySigned, deps: ContractDeps
) -> None:
    """Record a counterparty's signature."""
    await events.counterparty_signed(uow, event)


@handlers.on(Declined)
async def on_declined(uow: UnitOfWork, event: Declined, deps: ContractDeps) -> None:
    """End the application: a signer declined."""
    await events.declined(uow, event)


@handlers.on(Voided)
async def on_voided(uow: UnitOfWork, event: Voided, deps: ContractDeps) -> None:
    """End the application: the envelope was voided."""
    await events.voided(uow, event)


@handlers.on(Expired)
async def on_expired(uow: UnitOfWork, event: Expired, deps: ContractDeps) -> None:
    """End the application: the envelope lapsed."""
    await events.expired(uow, event)


@handlers.on(Completed)
async def on_completed(uow: UnitOfWork, event: Completed, deps: ContractDeps) -> None:
    """Mark the application signed and keep the signed PDF."""
    await events.completed(uow, event, store=deps.store, fetch=deps.fetch_signed)
