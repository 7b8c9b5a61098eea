"""Use cases for the counterparty signers of an application (the "Add" button)."""

from __future__ import annotations

from typing import Any

from servicekit.auth import Principal
from servicekit.db import utcnow
from servicekit.uow import UnitOfWork

from ..adapters.repository import ContractRepository
from ..adapters.tables import Signer
from ..domain.signers import FIELDS, SignerInvalid, mask_signer, normalise_signer
from ..domain.status import Action
from .access import load_owned, require
from .errors import SignerNotFound, signer_invalid


def _validated(kind: str, values: dict[str, Any]) -> dict[str, str | None]:
    try:
        return normalise_signer(kind, values)
    except SignerInvalid as exc:
        raise signer_invalid(exc) from exc


def _masked(signer: Signer) -> dict[str, Any]:
    values = {name: getattr(signer, name) for name in FIELDS}
    return {"kind": signer.kind, **mask_signer(signer.kind, values)}


async def add_signer(
    uow: UnitOfWork, *, user: Principal, contract_id: str, kind: str, values: dict[str, Any]
) -> Signer:
    """Add a counterparty signer to the caller's editable application."""
    repo = ContractRepository(uow.session)
    contract = await load_owned(repo, contract_id=contract_id, user=user)
    require(Action.EDIT, contract)
    clean = _validated(kind, values)
    existing = await repo.signers(contract.id)
    signer = Signer(
        contract_id=contract.id,
        position=max((s.position for s in existing), default=-1) + 1,
        kind=kind,
        **clean,  # type: ignore[arg-type]
    )
    repo.add(signer)
    contract.updated_at = utcnow()
    await uow.session.flush()
    uow.audit(
        actor=user.actor,
        action="signer.add",
        object_type="contract",
        object_id=contract.id,
        after={"signer_id": signer.id, **_masked(signer)},
    )
    await uow.commit()
    return signer


async def update_signer(
    uow: UnitOfWork, *, user: Principal, contract_id: str, signer_id: str, changes: dict[str, Any]
) -> Signer:
    """Change a signer's details; the whole signer is validated again."""
    repo = ContractRepository(uow.session)
    contract = await load_owned(repo, contract_id=contract_id, user=user)
    require(Action.EDIT, contract)
    signer = await repo.signer(contract_id=contract.id, signer_id=signer_id)
    if signer is None:
        raise SignerNotFound()
    before = _masked(signer)
    kind = str(changes.pop("kind", None) or signer.kind)
    merged = {name: getattr(signer, name) for name in FIELDS} | changes
    for name, value in _validated(kind, merged).items():
        setattr(signer, name, value)
    signer.kind = kind
    contract.updated_at = utcnow()
    uow.audit(
        actor=user.actor,
        action="signer.update",
        object_type="contract",
        object_id=contract.id,
        before={"signer_id": signer.id, **before},
        after={"signer_id": signer.id, **_masked(signer)},
    )
    await uow.commit()
    return signer


async def remove_signer(
    uow: UnitOfWork, *, user: Principal, contract_id: str, signer_id: str
) -> None:
    """Remove a signer from the caller's editable application."""
    repo = ContractRepository(uow.session)
    contract = await load_owned(repo, contract_id=contract_id, user=user)
    require(Action.EDIT, contract)
    signer = await repo.signer(contract_id=contract.id, signer_id=signer_id)
    if signer is None:
        raise SignerNotFound()
    before = _masked(signer)
    await repo.delete_signer(signer)
    contract.updated_at = utcnow()
    uow.audit(
        actor=user.actor,
        action="signer.remove",
        object_type="contract",
        object_id=contract.id,
        before={"signer_id": signer_id, **before},
    )
    await uow.commit()
