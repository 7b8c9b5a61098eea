"""Thin HTTP routes for applications and their signers."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response
from servicekit.app import UowDep
from servicekit.idempotency import Idempotent

from ..domain.status import Status
from ..service_layer import contracts, queries, signers
from .deps import ContractReader, Deps, Lawyer, Reader
from .schemas import (
    ContractCreate,
    ContractDetailPublic,
    ContractPublic,
    ContractsPublic,
    ContractUpdate,
    SignerCreate,
    SignerPublic,
    SignerUpdate,
    WithdrawRequest,
    contract_fields,
)

router = APIRouter(prefix="/api/contract", tags=["contract"])


async def detail_view(uow: UowDep, user: Reader, contract_id: str) -> ContractDetailPublic:
    """Return the detail view of one application for the caller."""
    detail = await queries.contract_detail(uow, user=user, contract_id=contract_id)
    return ContractDetailPublic.of(detail)


@router.post("/contracts", response_model=ContractDetailPublic, status_code=201)
async def create_contract(
    body: ContractCreate, uow: UowDep, user: Lawyer, once: Idempotent
) -> ContractDetailPublic | Response:
    """Open a draft contract application."""

    async def act() -> ContractDetailPublic:
        contract = await contracts.create_contract(uow, user=user, fields=body.model_dump())
        return await detail_view(uow, user, contract.id)

    return await once.run(uow, act)


@router.get("/contracts", response_model=ContractsPublic)
async def list_contracts(
    uow: UowDep,
    user: ContractReader,
    status: Status | None = None,
    q: str | None = Query(None, max_length=100),
    cursor: str | None = Query(None, max_length=200),
    limit: int = Query(20, ge=1, le=100),
) -> ContractsPublic:
    """List the applications the caller may see, newest first."""
    rows, next_cursor = await queries.list_contracts(
        uow, user=user, status=status.value if status else None, query=q, cursor=cursor, limit=limit
    )
    data = [ContractPublic(**contract_fields(r)) for r in rows]
    return ContractsPublic(data=data, count=len(data), next_cursor=next_cursor)


@router.get("/contracts/{contract_id}", response_model=ContractDetailPublic)
async def get_contract(contract_id: str, uow: UowDep, user: ContractReader) -> ContractDetailPublic:
    """Show one application with its signers and status timeline."""
    return await detail_view(uow, user, contract_id)


@router.patch("/contracts/{contract_id}", response_model=ContractDetailPublic)
async def update_contract(
    contract_id: str, body: ContractUpdate, uow: UowDep, user: Lawyer
) -> ContractDetailPublic:
    """Change a draft or rejected application's fields."""
    await contracts.update_contract(uow, user=user, contract_id=contract_id, changes=body.changes())
    return await detail_view(uow, user, contract_id)


@router.post("/contracts/{contract_id}/submit", response_model=ContractDetailPublic)
async def submit_contract(
    contract_id: str, uow: UowDep, user: Lawyer, deps: Deps, once: Idempotent
) -> ContractDetailPublic | Response:
    """Submit (or resubmit) an application for risk-control review."""

    async def act() -> ContractDetailPublic:
        await contracts.submit_contract(
            uow,
            user=user,
            contract_id=contract_id,
            internal_base_url=deps.settings.internal_base_url,
        )
        return await detail_view(uow, user, contract_id)

    return await once.run(uow, act)


@router.post("/contracts/{contract_id}/withdraw", response_model=ContractDetailPublic)
async def withdraw_contract(
    contract_id: str, uow: UowDep, user: Lawyer, body: WithdrawRequest | None = None
) -> ContractDetailPublic:
    """Withdraw an application."""
    reason = body.reason if body else None
    await contracts.withdraw_contract(uow, user=user, contract_id=contract_id, reason=reason)
    return await detail_view(uow, user, contract_id)


@router.post("/contracts/{contract_id}/signers", response_model=SignerPublic, status_code=201)
async def add_signer(
    contract_id: str, body: SignerCreate, uow: UowDep, user: Lawyer, once: Idempotent
) -> SignerPublic | Response:
    """Add a counterparty signer."""

    async def act() -> SignerPublic:
        values = body.model_dump(exclude={"kind"})
        signer = await signers.add_signer(
            uow, user=user, contract_id=contract_id, kind=body.kind, values=values
        )
        return SignerPublic.of(signer, full=True)

    return await once.run(uow, act)


@router.patch("/contracts/{contract_id}/signers/{signer_id}", response_model=SignerPublic)
async def update_signer(
    contract_id: str, signer_id: str, body: SignerUpdate, uow: UowDep, user: Lawyer
) -> SignerPublic:
    """Change a signer's details."""
    signer = await signers.update_signer(
        uow,
        user=user,
        contract_id=contract_id,
        signer_id=signer_id,
        changes=body.model_dump(exclude_unset=True),
    )
    return SignerPublic.of(signer, full=True)


@router.delete("/contracts/{contract_id}/signers/{signer_id}", status_code=204)
async def remove_signer(contract_id: str, signer_id: str, uow: UowDep, user: Lawyer) -> Response:
    """Remove a signer."""
    await signers.remove_signer(uow, user=user, contract_id=contract_id, signer_id=signer_id)
    return Response(status_code=204)
