"""Who may see and change which application, and how a status change is recorded."""

from __future__ import annotations

from typing import Any

from servicekit.auth import ADMIN, CONTRACTS_READ, RISK_CONTROL, Principal
from servicekit.db import utcnow
from servicekit.domain import Actor

from ..adapters.repository import ContractRepository
from ..adapters.tables import Contract, StatusChange
from ..domain.errors import ContractNotFound
from ..domain.status import Action, Status, next_status

READ_ALL_ROLES = (RISK_CONTROL, ADMIN)


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
    """Return where a user's `action` leads, or raise the 409 (TransitionRefused) that says why."""
    return next_status(action, contract.status)


def move(
    repo: ContractRepository,
    contract: Contract,
    *,
    to: Status,
    action: str,
    actor: Actor,
    audit: str,
    note: str | None = None,
    before: dict[str, Any] | None = None,
) -> None:
    """Set the application's status, add the change to its timeline and record `audit`.

    The audit fact's `before` is the application as it is now, unless the use case changed it
    already and gives the snapshot it took.
    """
    if before is None:
        before = contract.audit_snapshot()
    repo.add(
        StatusChange(
            contract_id=contract.id,
            actor_id=actor.id,
            actor_name=actor.name,
            action=action,
            from_status=contract.status,
            to_status=to,
            round=contract.round,
            note=note,
        )
    )
    contract.status = to
    contract.updated_at = utcnow()
    contract.record_audit(actor=actor, action=audit, before=before)
