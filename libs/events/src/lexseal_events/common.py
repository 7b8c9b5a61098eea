"""Value objects shared by several events."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class DocumentRef(BaseModel):
    """A claim-check: where to fetch a document over HTTP and the hash it must have."""

    model_config = ConfigDict(extra="allow", frozen=True)

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)
    url: str
    filename: str = "document.pdf"
    content_type: str = "application/pdf"
    page_count: int | None = None
    # the public gateway route a partner key with `documents:read` downloads it from; `url`
    # stays the internal claim-check that services use (partners never see it). Additive.
    public_url: str | None = None


SignerKind = Literal["individual", "enterprise"]


class SignerInfo(BaseModel):
    """A counterparty signer as entered by the lawyer (internal bus: full identifiers)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    signer_id: str
    kind: SignerKind
    name: str
    order: int = 0
    # individual: resident ID number (GB 11643); enterprise: unified social credit code (GB 32100)
    id_number: str
    mobile: str | None = None
    legal_representative: str | None = None
    operator_name: str | None = None
    operator_mobile: str | None = None
    bank_account_name: str | None = None
    bank_account_number: str | None = None
    bank_name: str | None = None


class ScanWarning(BaseModel):
    """Pages that look like a scanned paper contract (full-page image, no text layer)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    pages: list[int]
    reason: str
