"""Use cases for the counterparty signers of an application (the "Add" button)."""

from __future__ import annotations

from typing import Any

from servicekit.auth import Principal
from servicekit.db import utcnow
from servicekit.uow import UnitOfWork

from ..adapters.repository import ContractRepository
from ..adapters.tables import Contract, Signer
from ..domain.errors import SignerNotFound
from ..domain.signers import FIELDS, mask_signer, normalise_signer
from ..domain.status import Action
from .access import load_owned, require


def _masked(signer: Signer) -> dict[str, Any]:
    values = {name: getattr(signer, name) for name in FIELDS}
    return {"signer_id": signer.id, "kind": signer.kind, **mask_signer(signer.kind, values)}


async def _editable(
    uow: UnitOfWork, *, user: Principal, contract_id: str
) -> tuple[ContractRepository, Contract]:
    repo = uow.repo(ContractRepository)
    contract = await load_owned(repo, contract_id=contract_id, user=user)
    require(Action.EDIT, contract)
    return repo, contract


async def _signer(repo: ContractRepository, contract: Contract, signer_id: str) -> Signer:
    signer = await repo.signer(contract_id=contract.id, signer_id=signer_id)
    if signer is None:
        raise SignerNotFound()
    return signer


async def add_signer(
    uow: UnitOfWork, *, user: Principal, contract_id: str, kind: str, values: dict[str, Any]
) -> Signer:
    """Add a counterparty signer to the caller's editable application."""
    repo, contract = await _editable(uow, user=user, contract_id=contract_id)
    clean = normalise_signer(kind, values)
    existing = await repo.signers(contract.id)
    signer = Signer(
        contract_id=contract.id,
        position=max((s.position for s in existing), default=-1) + 1,
        kind=kind,
        **clean,  # type: ignore[arg-type]
    )
    repo.add(signer)
    contract.updated_at = utcnow()
    contract.record_audit(actor=user.actor, action="signer.add", after=_masked(signer))
    await uow.commit()
    return signer


async def update_signer(
    uow: UnitOfWork, *, user: Principal, contract_id: str, signer_id: str, changes: dict[str, Any]
) -> Signer:
    """Change a signer's details; the whole signer is validated again."""
    repo, contract = await _editable(uow, user=user, contract_id=contract_id)
    signer = await _signer(repo, contract, signer_id)
    before = _masked(signer)
    kind = str(changes.pop("kind", None) or signer.kind)
    merged = {name: getattr(signer, name) for name in FIELDS} | changes
    for name, value in normalise_signer(kind, merged).items():
        setattr(signer, name, value)
    signer.kind = kind
    contract.updated_at = utcnow()
    contract.record_audit(
        actor=user.actor, action="signer.update", before=before, after=_masked(signer)
    )
    await uow.commit()
    return signer


async def remove_signer(
    uow: UnitOfWork, *, user: Principal, contract_id: str, signer_id: str
) -> None:
    """Remove a signer from the caller's editable application."""
    repo, contract = await _editable(uow, user=user, contract_id=contract_id)
    signer = await _signer(repo, contract, signer_id)
    before = _masked(signer)
    await repo.delete_signer(signer)
    contract.updated_at = utcnow()
    contract.record_audit(actor=user.actor, action="signer.remove", before=before, after=None)
    await uow.commit()
