"""Use cases of the application itself: create, edit, submit, withdraw."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lexseal_events import (
    ContractSubmitted,
    ContractSubmittedData,
    ContractWithdrawn,
    ContractWithdrawnData,
    DocumentRef,
    ScanWarning,
    SignerInfo,
)
from servicekit.auth import Principal
from servicekit.db import utcnow
from servicekit.uow import UnitOfWork

from ..adapters.repository import ContractRepository
from ..adapters.tables import Contract, Document, Signer, StatusChange
from ..domain.amounts import AmountInvalid, normalise_amount
from ..domain.status import Action, Status
from .access import load_owned, move, require, snapshot
from .errors import AmountInvalidError, DocumentRequired, SignersRequired

SCAN_REASON = "full_page_image_without_text"


def _amount(value: Decimal | str | None) -> Decimal | None:
    try:
        return normalise_amount(value)
    except AmountInvalid as exc:
        raise AmountInvalidError(details={"reason": str(exc)}) from exc


async def create_contract(uow: UnitOfWork, *, user: Principal, fields: dict[str, Any]) -> Contract:
    """Open a draft application owned by the caller."""
    repo = ContractRepository(uow.session)
    contract = Contract(
        owner_id=user.id,
        owner_name=user.display_name or user.username,
        title=fields["title"],
        contract_type=fields["contract_type"],
        client_name=fields["client_name"],
        amount=_amount(fields.get("amount")),
        case_serial_no=fields.get("case_serial_no"),
        remarks=fields.get("remarks"),
        cross_page_seal=bool(fields.get("cross_page_seal", False)),
    )
    repo.add(contract)
    await uow.session.flush()
    repo.add(
        StatusChange(
            contract_id=contract.id,
            actor_id=user.id,
            actor_name=user.username,
            action="create",
            from_status=None,
            to_status=Status.DRAFT.value,
        )
    )
    uow.audit(
        actor=user.actor,
        action="contract.create",
        object_type="contract",
        object_id=contract.id,
        after=snapshot(contract),
    )
    await uow.commit()
    return contract


async def update_contract(
    uow: UnitOfWork, *, user: Principal, contract_id: str, changes: dict[str, Any]
) -> Contract:
    """Change the fields of the caller's draft or rejected application."""
    repo = ContractRepository(uow.session)
    contract = await load_owned(repo, contract_id=contract_id, user=user)
    require(Action.EDIT, contract)
    before = snapshot(contract)
    if "amount" in changes:
        changes["amount"] = _amount(changes["amount"])
    for name, value in changes.items():
        setattr(contract, name, value)
    contract.updated_at = utcnow()
    uow.audit(
        actor=user.actor,
        action="contract.update",
        object_type="contract",
        object_id=contract.id,
        before=before,
        after=snapshot(contract),
    )
    await uow.commit()
    return contract


async def submit_contract(
    uow: UnitOfWork, *, user: Principal, contract_id: str, internal_base_url: str
) -> Contract:
    """Send the caller's application to risk control (a new review round each time)."""
    repo = ContractRepository(uow.session)
    contract = await load_owned(repo, contract_id=contract_id, user=user)
    target = require(Action.SUBMIT, contract)
    document = await repo.document(contract.document_sha256) if contract.document_sha256 else None
    if document is None:
        raise DocumentRequired()
    signers = await repo.signers(contract.id)
    if not signers:
        raise SignersRequired()
    before = snapshot(contract)
    resubmit = contract.status == Status.REJECTED.value
    contract.round += 1
    contract.review_reasons = None
    contract.review_comment = None
    move(repo, contract, to=target, action="resubmit" if resubmit else "submit", actor=user.actor)
    uow.publish(
        ContractSubmitted(
            source=uow.source,
            subject=contract.id,
            data=submitted_data(
                contract, document=document, signers=signers, internal_base_url=internal_base_url
            ),
        )
    )
    uow.audit(
        actor=user.actor,
        action="contract.resubmit" if resubmit else "contract.submit",
        object_type="contract",
        object_id=contract.id,
        before=before,
        after=snapshot(contract),
    )
    await uow.commit()
    return contract


async def withdraw_contract(
    uow: UnitOfWork, *, user: Principal, contract_id: str, reason: str | None
) -> Contract:
    """Withdraw the caller's application; any open review round or envelope ends."""
    repo = ContractRepository(uow.session)
    contract = await load_owned(repo, contract_id=contract_id, user=user)
    target = require(Action.WITHDRAW, contract)
    before = snapshot(contract)
    move(repo, contract, to=target, action="withdraw", actor=user.actor, note=reason)
    uow.publish(
        ContractWithdrawn(
            source=uow.source,
            subject=contract.id,
            data=ContractWithdrawnData(
                contract_id=contract.id,
                round=contract.round,
                owner_id=contract.owner_id,
                actor_id=user.id,
                reason=reason,
            ),
        )
    )
    uow.audit(
        actor=user.actor,
        action="contract.withdraw",
        object_type="contract",
        object_id=contract.id,
        before=before,
        after=snapshot(contract),
    )
    await uow.commit()
    return contract


def document_url(internal_base_url: str, sha256: str) -> str:
    """Return the internal claim-check URL of a stored document."""
    return f"{internal_base_url.rstrip('/')}/internal/contract/documents/{sha256}"


def submitted_data(
    contract: Contract, *, document: Document, signers: list[Signer], internal_base_url: str
) -> ContractSubmittedData:
    """Return what risk control needs to review this round (full identifiers: internal bus)."""
    scan = (
        ScanWarning(pages=list(document.scan_suspect_pages), reason=SCAN_REASON)
        if document.scan_suspect_pages
        else None
    )
    return ContractSubmittedData(
        contract_id=contract.id,
        round=contract.round,
        owner_id=contract.owner_id,
        owner_name=contract.owner_name,
        title=contract.title,
        contract_type=contract.contract_type,
        client_name=contract.client_name,
        amount=str(contract.amount) if contract.amount is not None else None,
        case_serial_no=contract.case_serial_no,
        remarks=contract.remarks,
        cross_page_seal=contract.cross_page_seal,
        document=DocumentRef(
            sha256=document.sha256,
            size=document.size,
            url=document_url(internal_base_url, document.sha256),
            filename=contract.document_filename or "document.pdf",
            page_count=document.page_count,
        ),
        signers=[
            SignerInfo(
                signer_id=s.id,
                kind=s.kind,  # type: ignore[arg-type]
                name=s.name,
                order=i,
                id_number=s.id_number,
                mobile=s.mobile,
                legal_representative=s.legal_representative,
                operator_name=s.operator_name,
                operator_mobile=s.operator_mobile,
                bank_account_name=s.bank_account_name,
                bank_account_number=s.bank_account_number,
                bank_name=s.bank_name,
            )
            for i, s in enumerate(signers)
        ],
        scan_warning=scan,
    )
