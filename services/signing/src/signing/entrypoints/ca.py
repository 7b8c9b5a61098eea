"""Admin routes of the internal CA under /api/signing/ca: look up and revoke certificates."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from servicekit.app import UowDep
from servicekit.auth import ADMIN, Principal, require_roles

from ..adapters.tables import CaCertificate
from ..service_layer import certificates
from .deps import Deps

router = APIRouter(prefix="/api/signing/ca", tags=["ca"])


class CertificatePublic(BaseModel):
    """A certificate the internal CA issued, and whether (and why) it is revoked."""

    serial: str = Field(description="lowercase hex, as verification reports show it")
    kind: str = Field(description="individual, enterprise, firm or tsa")
    subject: str
    issuer_key_id: str
    not_after: datetime
    revoked: bool
    revoked_at: datetime | None
    revocation_reason: str | None
    invalidity_date: datetime | None
    revocation_comment: str | None

    @classmethod
    def of(cls, row: CaCertificate) -> CertificatePublic:
        """Return a register row as the API shows it."""
        return cls(
            serial=row.serial,
            kind=row.kind,
            subject=row.subject,
            issuer_key_id=row.issuer_key_id,
            not_after=row.not_after,
            revoked=row.revoked_at is not None,
            revoked_at=row.revoked_at,
            revocation_reason=row.revocation_reason,
            invalidity_date=row.invalidity_date,
            revocation_comment=row.revocation_comment,
        )


class RevocationIn(BaseModel):
    reason: certificates.Reason = Field(
        description="identity_false (the identity was later found false), key_compromise, "
        "or superseded"
    )
    invalidity_date: datetime | None = Field(
        default=None,
        description="since when the key is (or may be) compromised, if before now (ISO 8601, "
        "with a time zone); signatures from then on are reported invalid",
    )
    comment: str | None = Field(default=None, max_length=500)


Admin = Depends(require_roles(ADMIN))


@router.get("/certificates/{serial}", response_model=CertificatePublic)
async def get_certificate(serial: str, uow: UowDep, user: Principal = Admin) -> CertificatePublic:
    """Return a certificate the internal CA issued, by serial (hex)."""
    return CertificatePublic.of(await certificates.certificate(uow, serial=serial))


@router.post("/certificates/{serial}/revoke", response_model=CertificatePublic)
async def revoke_certificate(
    serial: str, body: RevocationIn, uow: UowDep, deps: Deps, user: Principal = Admin
) -> CertificatePublic:
    """Revoke a signer's or the firm's certificate; the CRL and OCSP list it at once."""
    row = await certificates.revoke(
        uow,
        actor=user.actor,
        ca=deps.pki.ca,
        serial=serial,
        reason=body.reason,
        invalidity_date=body.invalidity_date,
        comment=body.comment,
    )
    return CertificatePublic.of(row)
