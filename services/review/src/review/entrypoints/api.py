"""Thin HTTP routes of the review service."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from servicekit.app import UowDep
from servicekit.auth import ADMIN, RISK_CONTROL, CurrentUser, Principal, require_roles
from servicekit.idempotency import Idempotent

from ..domain.checklist import reason_label
from ..service_layer import decisions, queries
from .deps import Deps
from .schemas import (
    ApproveBody,
    ReasonCodePublic,
    ReasonCodesPublic,
    RejectBody,
    ReviewDetailPublic,
    ReviewItemPublic,
    ReviewItemsPublic,
)

router = APIRouter(prefix="/api/review", tags=["review"])

Reviewer = Annotated[Principal, Depends(require_roles(RISK_CONTROL))]
QueueReader = Annotated[Principal, Depends(require_roles(RISK_CONTROL, ADMIN))]
Releaser = Annotated[Principal, Depends(require_roles(RISK_CONTROL, ADMIN))]


@router.get("/queue", response_model=ReviewItemsPublic)
async def get_queue(
    uow: UowDep,
    user: QueueReader,
    state: Literal["pending", "in_review", "decided"] = "pending",
    cursor: str | None = Query(None, max_length=200),
    limit: int = Query(50, ge=1, le=200),
) -> ReviewItemsPublic:
    """List the review queue: pending oldest-waiting first, in review and decided newest first."""
    page = await queries.queue(uow, view=state, cursor=cursor, limit=limit)
    return ReviewItemsPublic(
        data=[ReviewItemPublic.of(r) for r in page.rows],
        count=page.count,
        next_cursor=page.next_cursor,
    )


@router.get("/items/{round_id}", response_model=ReviewDetailPublic)
async def get_item(round_id: str, uow: UowDep, user: CurrentUser) -> ReviewDetailPublic:
    """Show one review round with its submission, checklist and the contract's history."""
    row, history = await queries.item(uow, user=user, round_id=round_id)
    return ReviewDetailPublic.detail(row, history)


@router.get("/contracts/{contract_id}/rounds", response_model=ReviewItemsPublic)
async def get_contract_rounds(
    contract_id: str, uow: UowDep, user: CurrentUser
) -> ReviewItemsPublic:
    """List every review round of a contract, newest first."""
    rows = await queries.contract_rounds(uow, user=user, contract_id=contract_id)
    return ReviewItemsPublic(
        data=[ReviewItemPublic.of(r) for r in rows], count=len(rows), next_cursor=None
    )


@router.post("/items/{round_id}/claim", response_model=ReviewItemPublic)
async def claim(round_id: str, uow: UowDep, user: Reviewer) -> ReviewItemPublic:
    """Take a pending round into review."""
    return ReviewItemPublic.of(await decisions.claim(uow, user=user, round_id=round_id))


@router.post("/items/{round_id}/release", response_model=ReviewItemPublic)
async def release(round_id: str, uow: UowDep, user: Releaser) -> ReviewItemPublic:
    """Put a claimed round back in the pending queue."""
    return ReviewItemPublic.of(await decisions.release(uow, user=user, round_id=round_id))


@router.post("/items/{round_id}/approve", response_model=ReviewItemPublic)
async def approve(
    round_id: str, body: ApproveBody, uow: UowDep, user: Reviewer, once: Idempotent
) -> ReviewItemPublic | Response:
    """Approve a round after confirming every checklist item."""

    async def act() -> ReviewItemPublic:
        row = await decisions.approve(
            uow,
            user=user,
            round_id=round_id,
            confirmations=body.confirmations,
            comment=body.comment,
        )
        return ReviewItemPublic.of(row)

    return await once.run(uow, act)


@router.post("/items/{round_id}/reject", response_model=ReviewItemPublic)
async def reject(
    round_id: str,
    body: RejectBody,
    uow: UowDep,
    deps: Deps,
    user: Reviewer,
    once: Idempotent,
) -> ReviewItemPublic | Response:
    """Reject a round with one or more reason codes and a comment."""

    async def act() -> ReviewItemPublic:
        row = await decisions.reject(
            uow,
            user=user,
            round_id=round_id,
            reasons=body.reasons,
            comment=body.comment,
            allowed=deps.reason_codes,
        )
        return ReviewItemPublic.of(row)

    return await once.run(uow, act)


@router.get("/reason-codes", response_model=ReasonCodesPublic)
async def reason_codes(deps: Deps, user: CurrentUser) -> ReasonCodesPublic:
    """List the configured rejection reason codes with their labels."""
    data = []
    for code in deps.reason_codes:
        zh, en = reason_label(code)
        data.append(ReasonCodePublic(code=code, label_zh=zh, label_en=en))
    return ReasonCodesPublic(data=data, count=len(data))
