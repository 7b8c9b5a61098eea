"""Use cases driven by other services' events: review outcomes and the signing envelope."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

from lexseal_events import (
    Completed,
    CounterpartySigned,
    Declined,
    DocumentRef,
    Expired,
    InvitationCreated,
    ReviewApproved,
    ReviewRejected,
    Voided,
)
from servicekit.domain import Actor
from servicekit.uow import UnitOfWork

from ..adapters.document_store import DocumentStore
from ..adapters.repository import ContractRepository
from ..adapters.tables import Contract
from ..domain.status import Action, allowed, next_status
from .access import move

SHANGHAI = ZoneInfo("Asia/Shanghai")
log = logging.getLogger("contract.events")
SIGNING = Actor(id="service:signing", name="signing")
Fetch = Callable[[DocumentRef], Awaitable[bytes]]


async def _load(uow: UnitOfWork, contract_id: str, action: Action) -> Contract | None:
    contract = await uow.repo(ContractRepository).get(contract_id, for_update=True)
    if contract is None or not allowed(action, contract.status):
        log.info(
            "ignoring %s for contract %s (status %s)",
            action,
            contract_id,
            contract.status if contract else "missing",
        )
        return None
    return contract


def _apply(
    uow: UnitOfWork,
    contract: Contract,
    *,
    action: Action,
    event_type: str,
    actor: Actor,
    note: str | None = None,
) -> None:
    move(
        uow.repo(ContractRepository),
        contract,
        to=next_status(action, contract.status),
        action=event_type,
        actor=actor,
        audit=f"contract.{event_type}",
        note=note,
    )


async def _review_target(
    uow: UnitOfWork, *, contract_id: str, round_: int, action: Action
) -> Contract | None:
    contract = await _load(uow, contract_id, action)
    if contract is not None and contract.round != round_:
        log.info(
            "ignoring %s of round %d; contract %s is in round %d",
            action,
            round_,
            contract_id,
            contract.round,
        )
        return None
    return contract


async def review_approved(uow: UnitOfWork, event: ReviewApproved) -> None:
    """Mark the current round approved (已审核未签章)."""
    d = event.data
    contract = await _review_target(
        uow, contract_id=d.contract_id, round_=d.round, action=Action.APPROVE
    )
    if contract is None:
        return
    contract.reviewer_id, contract.reviewer_name = d.reviewer_id, d.reviewer_name
    contract.review_comment = d.comment
    _apply(
        uow,
        contract,
        action=Action.APPROVE,
        event_type=event.type,
        actor=Actor(id=d.reviewer_id, name=d.reviewer_name),
        note=d.comment,
    )


async def review_rejected(uow: UnitOfWork, event: ReviewRejected) -> None:
    """Send the current round back to the lawyer with the reviewer's reasons."""
    d = event.data
    contract = await _review_target(
        uow, contract_id=d.contract_id, round_=d.round, action=Action.REJECT
    )
    if contract is None:
        return
    contract.reviewer_id, contract.reviewer_name = d.reviewer_id, d.reviewer_name
    contract.review_reasons, contract.review_comment = list(d.reasons), d.comment
    note = "；".join([*d.reasons, *([d.comment] if d.comment else [])])
    _apply(
        uow,
        contract,
        action=Action.REJECT,
        event_type=event.type,
        actor=Actor(id=d.reviewer_id, name=d.reviewer_name),
        note=note,
    )


async def _envelope_target(
    uow: UnitOfWork, *, contract_id: str, envelope_id: str, action: Action
) -> Contract | None:
    contract = await _load(uow, contract_id, action)
    if contract is None:
        return None
    if contract.envelope_id not in (None, envelope_id):
        log.info(
            "ignoring %s from old envelope %s of contract %s", action, envelope_id, contract_id
        )
        return None
    contract.envelope_id = envelope_id
    return contract


async def _envelope_step(
    uow: UnitOfWork,
    event: InvitationCreated | CounterpartySigned | Declined | Voided | Expired,
    *,
    action: Action,
    actor: Actor,
    note: str | None = None,
) -> None:
    d = event.data
    contract = await _envelope_target(
        uow, contract_id=d.contract_id, envelope_id=d.envelope_id, action=action
    )
    if contract is not None:
        _apply(uow, contract, action=action, event_type=event.type, actor=actor, note=note)


async def invitation_created(uow: UnitOfWork, event: InvitationCreated) -> None:
    """Show the application as waiting for the counterparty (待对方签章)."""
    d = event.data
    until = d.expires_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    note = f"{d.signer_name} 邀请链接有效期至 {until}（北京时间）"
    actor = Actor(id=d.owner_id, name=d.invited_by_name) if d.invited_by_name else SIGNING
    await _envelope_step(uow, event, action=Action.INVITE, actor=actor, note=note)


async def counterparty_signed(uow: UnitOfWork, event: CounterpartySigned) -> None:
    """Record a counterparty's signature; when none remain, the firm may sign (待律所签章)."""
    d = event.data
    action = (
        Action.ALL_COUNTERPARTIES_SIGNED
        if d.remaining_counterparties == 0
        else Action.COUNTERPARTY_SIGN
    )
    note = f"{d.signer_name} 已签章，剩余 {d.remaining_counterparties} 位"
    actor = Actor(id=d.signer_id, name=d.signer_name)
    await _envelope_step(uow, event, action=action, actor=actor, note=note)


async def declined(uow: UnitOfWork, event: Declined) -> None:
    """End the application: a signer declined."""
    d = event.data
    actor = Actor(id=d.signer_id, name=d.signer_name)
    await _envelope_step(uow, event, action=Action.DECLINE, actor=actor, note=d.reason)


async def voided(uow: UnitOfWork, event: Voided) -> None:
    """End the application: the envelope was voided."""
    d = event.data
    actor = Actor(id=d.actor_id, name=d.actor_id)
    await _envelope_step(uow, event, action=Action.VOID, actor=actor, note=d.reason)


async def expired(uow: UnitOfWork, event: Expired) -> None:
    """End the application: the envelope lapsed before every signature was in."""
    await _envelope_step(uow, event, action=Action.EXPIRE, actor=SIGNING)


async def completed(
    uow: UnitOfWork, event: Completed, *, store: DocumentStore, fetch: Fetch
) -> None:
    """Mark the application signed (已签章) and keep the signed PDF by its hash."""
    d = event.data
    contract = await _envelope_target(
        uow, contract_id=d.contract_id, envelope_id=d.envelope_id, action=Action.COMPLETE
    )
    if contract is None:
        return
    # A failed fetch raises, so the event is redelivered rather than completed without a file.
    data = await fetch(d.document)
    sha256 = await store.save(data)
    contract.signed_sha256, contract.signed_size, contract.verify_url = (
        sha256,
        len(data),
        d.verify_url,
    )
    # the person who sealed for the firm, not the service that carried it out
    firm = Actor(id=d.firm_signer_id, name=d.firm_signer_name) if d.firm_signer_name else SIGNING
    _apply(uow, contract, action=Action.COMPLETE, event_type=event.type, actor=firm)
