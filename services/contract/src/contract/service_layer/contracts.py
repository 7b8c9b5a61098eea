"""Use cases of the application itself: create, edit, submit, withdraw."""

from __future__ import annotations

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
from ..domain.amounts import normalise_amount
from ..domain.errors import DocumentRequired, SignersRequired
from ..domain.status import Action, Status
from .access import load_owned, move, require

SCAN_REASON = "full_page_image_without_text"


async def create_contract(uow: UnitOfWork, *, user: Principal, fields: dict[str, Any]) -> Contract:
    """Open a draft application owned by the caller."""
    repo = uow.repo(ContractRepository)
    contract = Contract(
        owner_id=user.id,
        owner_name=user.display_name or user.username,
        title=fields["title"],
        contract_type=fields["contract_type"],
        client_name=fields["client_name"],
        amount=normalise_amount(fields.get("amount")),
        case_serial_no=fields.get("case_serial_no"),
        remarks=fields.get("remarks"),
        cross_page_seal=bool(fields.get("cross_page_seal", False)),
        status=Status.DRAFT,
    )
    repo.add(contract)
    repo.add(
        StatusChange(
            contract_id=contract.id,
            actor_id=user.id,
            actor_name=user.username,
            action="create",
            from_status=None,
            to_status=Status.DRAFT,
        )
    )
    contract.record_audit(actor=user.actor, action="contract.create")
    await uow.commit()
    return contract


async def update_contract(
    uow: UnitOfWork, *, user: Principal, contract_id: str, changes: dict[str, Any]
) -> Contract:
    """Change the fields of the caller's draft or rejected application."""
    contract = await load_owned(uow.repo(ContractRepository), contract_id=contract_id, user=user)
    require(Action.EDIT, contract)
    before = contract.audit_snapshot()
    if "amount" in changes:
        changes["amount"] = normalise_amount(changes["amount"])
    for name, value in changes.items():
        setattr(contract, name, value)
    contract.updated_at = utcnow()
    contract.record_audit(actor=user.actor, action="contract.update", before=before)
    await uow.commit()
    return contract


async def submit_contract(
    uow: UnitOfWork, *, user: Principal, contract_id: str, internal_base_url: str
) -> Contract:
    """Send the caller's application to risk control (a new review round each time)."""
    repo = uow.repo(ContractRepository)
    contract = await load_owned(repo, contract_id=contract_id, user=user)
    target = require(Action.SUBMIT, contract)
    document = await repo.document(contract.document_sha256) if contract.document_sha256 else None
    if document is None:
        raise DocumentRequired()
    signers = await repo.signers(contract.id)
    if not signers:
        raise SignersRequired()
    before = contract.audit_snapshot()
    verb = "resubmit" if contract.status is Status.REJECTED else "submit"
    contract.round += 1
    contract.review_reasons = None
    contract.review_comment = None
    move(
        repo,
        contract,
        to=target,
        action=verb,
        actor=user.actor,
        audit=f"contract.{verb}",
        before=before,
    )
    contract.record_event(
        ContractSubmitted(
            source=uow.source,
            subject=contract.id,
            data=submitted_data(
                contract, document=document, signers=signers, internal_base_url=internal_base_url
            ),
        )
    )
    await uow.commit()
    return contract


async def withdraw_contract(
    uow: UnitOfWork, *, user: Principal, contract_id: str, reason: str | None
) -> Contract:
    """Withdraw the caller's application; any open review round or envelope ends."""
    repo = uow.repo(ContractRepository)
    contract = await load_owned(repo, contract_id=contract_id, user=user)
    target = require(Action.WITHDRAW, contract)
    move(
        repo,
        contract,
        to=target,
        action="withdraw",
        actor=user.actor,
        audit="contract.withdraw",
        note=reason,
    )
    contract.record_event(
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
