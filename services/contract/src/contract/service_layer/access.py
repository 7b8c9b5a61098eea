"""Who may see and change which application, and how a change is recorded."""

from __future__ import annotations

from typing import Any

from servicekit.auth import ADMIN, CONTRACTS_READ, RISK_CONTROL, Principal
from servicekit.db import utcnow
from servicekit.uow import Actor

from ..adapters.repository import ContractRepository
from ..adapters.tables import Contract, StatusChange
from ..domain.status import Action, Status, TransitionRefused, next_status
from .errors import ContractNotFound, state_conflict

READ_ALL_ROLES = (RISK_CONTROL, ADMIN)
AUDITED_FIELDS = (
    "title",
    "contract_type",
    "client_name",
    "amount",
    "case_serial_no",
    "remarks",
    "cross_page_seal",
    "status",
    "round",
    "document_sha256",
)


def sees_all(user: Principal) -> bool:
    """Tell whether the caller reads every application (risk control, admin, and a partner
    API key with `contracts:read`, which reads them masked and changes nothing)."""
    return user.has(*READ_ALL_ROLES) or user.can(CONTRACTS_READ)


async def load_visible(repo: ContractRepository, *, contract_id: str, user: Principal) -> Contract:
    """Return the application if the caller may see it; another lawyer's answers 404."""
    contract = await repo.get(contract_id)
    if contract is None or not (contract.owner_id == user.id or sees_all(user)):
        raise ContractNotFound()
    return contract


async def load_owned(repo: ContractRepository, *, contract_id: str, user: Principal) -> Contract:
    """Return the caller's own application, locked for this transaction; else 404."""
    contract = await repo.get(contract_id, for_update=True)
    if contract is None or contract.owner_id != user.id:
        raise ContractNotFound()
    return contract


def require(action: Action, contract: Contract) -> Status:
    """Return where a user's `action` leads, or raise the 409 that explains why not."""
    try:
        return next_status(action, Status(contract.status))
    except TransitionRefused as exc:
        raise state_conflict(exc) from exc


def snapshot(contract: Contract) -> dict[str, Any]:
    """Return the application's audited fields (no personal identifiers live on it)."""
    return {name: getattr(contract, name) for name in AUDITED_FIELDS}


def move(
    repo: ContractRepository,
    contract: Contract,
    *,
    to: Status,
    action: str,
    actor: Actor,
    note: str | None = None,
) -> None:
    """Set the application's status and add the change to its timeline."""
    repo.add(
        StatusChange(
            contract_id=contract.id,
            actor_id=actor.id,
            actor_name=actor.name,
            action=action,
            from_status=contract.status,
            to_status=to.value,
            round=contract.round,
            note=note,
        )
    )
    contract.status = to.value
    contract.updated_at = utcnow()
