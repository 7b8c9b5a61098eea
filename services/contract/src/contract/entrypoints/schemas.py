"""Request and response shapes of the contract API."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..adapters.tables import Signer, StatusChange
from ..domain.signers import FIELDS, mask_signer
from ..service_layer.queries import ContractDetail

# Clients never set status, owner, reviewer, round or document: unknown fields are refused.
_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ContractBase(BaseModel):
    model_config = _STRICT

    title: str = Field(min_length=1, max_length=200)
    contract_type: str = Field(min_length=1, max_length=64)
    client_name: str = Field(min_length=1, max_length=200)
    amount: Decimal | None = None
    case_serial_no: str | None = Field(default=None, max_length=64)
    remarks: str | None = Field(default=None, max_length=5000)
    cross_page_seal: bool = False


class ContractCreate(ContractBase):
    pass


class ContractUpdate(BaseModel):
    model_config = _STRICT

    title: str | None = Field(default=None, min_length=1, max_length=200)
    contract_type: str | None = Field(default=None, min_length=1, max_length=64)
    client_name: str | None = Field(default=None, min_length=1, max_length=200)
    amount: Decimal | None = None
    case_serial_no: str | None = Field(default=None, max_length=64)
    remarks: str | None = Field(default=None, max_length=5000)
    cross_page_seal: bool | None = None

    def changes(self) -> dict[str, Any]:
        """Return only the fields the client sent; required ones may not be cleared."""
        sent = self.model_dump(exclude_unset=True)
        return {
            k: v
            for k, v in sent.items()
            if v is not None or k in {"amount", "case_serial_no", "remarks"}
        }


class WithdrawRequest(BaseModel):
    model_config = _STRICT

    reason: str | None = Field(default=None, max_length=1000)


class SignerFields(BaseModel):
    model_config = _STRICT

    name: str | None = Field(default=None, max_length=200)
    id_number: str | None = Field(default=None, max_length=32)
    mobile: str | None = Field(default=None, max_length=20)
    legal_representative: str | None = Field(default=None, max_length=100)
    operator_name: str | None = Field(default=None, max_length=100)
    operator_mobile: str | None = Field(default=None, max_length=20)
    bank_account_name: str | None = Field(default=None, max_length=200)
    bank_account_number: str | None = Field(default=None, max_length=40)
    bank_name: str | None = Field(default=None, max_length=200)


class SignerCreate(SignerFields):
    kind: Literal["individual", "enterprise"]


class SignerUpdate(SignerFields):
    kind: Literal["individual", "enterprise"] | None = None


class SignerPublic(BaseModel):
    id: str
    kind: str
    name: str
    id_number: str
    mobile: str | None
    legal_representative: str | None
    operator_name: str | None
    operator_mobile: str | None
    bank_account_name: str | None
    bank_account_number: str | None
    bank_name: str | None
    masked: bool

    @classmethod
    def of(cls, signer: Signer, *, full: bool) -> SignerPublic:
        """Return the signer, with identifiers masked unless `full`."""
        values: dict[str, Any] = {name: getattr(signer, name) for name in FIELDS}
        if not full:
            values = mask_signer(signer.kind, values)
        return cls(id=signer.id, kind=signer.kind, masked=not full, **values)


class ScanWarningPublic(BaseModel):
    pages: list[int]
    reason: str


class DocumentPublic(BaseModel):
    sha256: str
    filename: str
    size: int
    page_count: int
    scan_warning: ScanWarningPublic | None


class TimelineEntry(BaseModel):
    at: datetime
    actor_id: str
    actor_name: str
    action: str
    from_status: str | None
    to_status: str
    round: int
    note: str | None

    @classmethod
    def of(cls, row: StatusChange) -> TimelineEntry:
        """Return one timeline row."""
        return cls.model_validate(row, from_attributes=True)


class ContractPublic(BaseModel):
    id: str
    owner_id: str
    owner_name: str
    title: str
    contract_type: str
    client_name: str
    amount: str | None
    currency: str = "CNY"
    case_serial_no: str | None
    remarks: str | None
    cross_page_seal: bool
    status: str
    round: int
    review_reasons: list[str] | None
    review_comment: str | None
    reviewer_name: str | None
    has_document: bool
    has_signed_document: bool
    created_at: datetime
    updated_at: datetime


class ContractDetailPublic(ContractPublic):
    document: DocumentPublic | None
    signers: list[SignerPublic]
    timeline: list[TimelineEntry]

    @classmethod
    def of(cls, detail: ContractDetail) -> ContractDetailPublic:
        """Return the detail view for one caller."""
        doc = detail.document
        document = None
        if doc is not None:
            warning = ScanWarningPublic(
                pages=doc.scan_suspect_pages, reason="full_page_image_without_text"
            )
            document = DocumentPublic(
                sha256=doc.sha256,
                filename=detail.contract.document_filename or "contract.pdf",
                size=doc.size,
                page_count=doc.page_count,
                scan_warning=warning if doc.scan_suspect_pages else None,
            )
        return cls(
            **contract_fields(detail.contract),
            document=document,
            signers=[SignerPublic.of(s, full=detail.full) for s in detail.signers],
            timeline=[TimelineEntry.of(t) for t in detail.timeline],
        )


class ContractsPublic(BaseModel):
    data: list[ContractPublic]
    count: int
    next_cursor: str | None


def contract_fields(contract: Any) -> dict[str, Any]:
    """Return the list-view fields of an application row."""
    return {
        "id": contract.id,
        "owner_id": contract.owner_id,
        "owner_name": contract.owner_name,
        "title": contract.title,
        "contract_type": contract.contract_type,
        "client_name": contract.client_name,
        "amount": f"{contract.amount:.2f}" if contract.amount is not None else None,
        "case_serial_no": contract.case_serial_no,
        "remarks": contract.remarks,
        "cross_page_seal": contract.cross_page_seal,
        "status": contract.status,
        "round": contract.round,
        "review_reasons": contract.review_reasons,
        "review_comment": contract.review_comment,
        "reviewer_name": contract.reviewer_name,
        "has_document": contract.document_sha256 is not None,
        "has_signed_document": contract.signed_sha256 is not None,
        "created_at": contract.created_at,
        "updated_at": contract.updated_at,
    }
