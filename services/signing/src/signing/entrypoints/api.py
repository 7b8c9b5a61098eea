"""Routes for the lawyer and risk control under /api/signing (gateway JWT)."""

from __future__ import annotations

from datetime import datetime

from cnid import mask_credit_code, mask_resident_id
from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field
from servicekit.app import UowDep
from servicekit.auth import ADMIN, RISK_CONTROL, CurrentUser, Principal, require_roles
from servicekit.idempotency import Idempotent

from ..adapters import render
from ..adapters.providers import SandboxBankTransfer
from ..adapters.repository import SigningRepository
from ..adapters.tables import Envelope, EnvelopeSigner
from ..domain import errors
from ..domain.model import ENTERPRISE
from ..domain.states import EnvelopeStatus
from ..service_layer import envelopes, evidence, invitations, signing
from .deps import Deps
from .schemas import PagePublic, PlacementIn

router = APIRouter(prefix="/api/signing", tags=["signing"])
PDF = "application/pdf"


class SignerPublic(BaseModel):
    """A signer and their progress; identifiers only ever masked."""

    signer_id: str
    kind: str = Field(description="individual, enterprise or firm")
    name: str
    position: int = Field(description="0-based signing order: counterparties first, firm last")
    status: str
    method: str | None
    sandbox: bool
    verified_at: datetime | None
    signed_at: datetime | None
    id_number_masked: str | None = Field(
        description="resident ID or credit code, masked (e.g. 110***********002X); never whole"
    )

    @classmethod
    def of(cls, row: EnvelopeSigner) -> SignerPublic:
        """Return a signer row as the API shows it."""
        return cls(
            signer_id=row.signer_id,
            kind=row.kind,
            name=row.name,
            position=row.position,
            status=row.status,
            method=row.method,
            sandbox=row.sandbox,
            verified_at=row.verified_at,
            signed_at=row.signed_at,
            id_number_masked=_masked_id(row),
        )


def _masked_id(row: EnvelopeSigner) -> str | None:
    if not row.id_number:
        return None
    if row.kind == ENTERPRISE:
        return mask_credit_code(row.id_number)
    return mask_resident_id(row.id_number)


class EnvelopePublic(BaseModel):
    id: str
    kind: str
    contract_id: str
    owner_id: str
    title: str
    status: str
    verify_code: str
    current_sha256: str
    expires_at: datetime
    created_at: datetime
    completed_at: datetime | None
    ended_reason: str | None
    cross_page_seal: bool = Field(
        default=False,
        description="the firm's signature also cuts its seal across every page's right edge "
        "(骑缝章), at mid height clear of the QR; a one-page document takes the normal seal only",
    )
    signers: list[SignerPublic] = Field(
        default=[], description="in signing order; empty in answers to void and firm-sign"
    )


class EnvelopeDetailPublic(EnvelopePublic):
    pages: list[PagePublic] = Field(
        description="every page: its size as shown and where a seal may go (placement coordinates)"
    )


class EnvelopesPublic(BaseModel):
    data: list[EnvelopePublic]
    count: int


class InvitationCreate(BaseModel):
    signer_id: str


class InvitationPublic(BaseModel):
    invitation_id: str
    url: str
    expires_at: datetime


class VoidIn(BaseModel):
    reason: str | None = None


def _public(envelope: Envelope, signers: list[EnvelopeSigner] | None = None) -> EnvelopePublic:
    out = EnvelopePublic.model_validate(envelope, from_attributes=True)
    out.signers = [SignerPublic.of(s) for s in signers or []]
    return out


@router.get("/envelopes", response_model=EnvelopesPublic)
async def list_envelopes(
    uow: UowDep, user: CurrentUser, contract_id: str | None = None
) -> EnvelopesPublic:
    """List the envelopes the caller may see, newest first, each with its signers."""
    rows = await envelopes.list_envelopes(uow, user=user, contract_id=contract_id)
    return EnvelopesPublic(data=[_public(e, signers) for e, signers in rows], count=len(rows))


@router.get("/envelopes/{envelope_id}", response_model=EnvelopeDetailPublic)
async def get_envelope(envelope_id: str, uow: UowDep, user: CurrentUser) -> EnvelopeDetailPublic:
    """Return an envelope with its signers in signing order and its pages' geometry."""
    envelope, signers, pages = await envelopes.envelope_detail(
        uow, user=user, envelope_id=envelope_id
    )
    return EnvelopeDetailPublic(
        **_public(envelope, signers).model_dump(), pages=[PagePublic.of(p) for p in pages]
    )


@router.post(
    "/envelopes/{envelope_id}/invitations", response_model=InvitationPublic, status_code=201
)
async def create_invitation(
    envelope_id: str,
    body: InvitationCreate,
    uow: UowDep,
    user: CurrentUser,
    deps: Deps,
    once: Idempotent,
) -> InvitationPublic | Response:
    """Invite one counterparty signer (a new link voids their previous one)."""

    async def act() -> InvitationPublic:
        inv, url = await invitations.create_invitation(
            uow,
            user=user,
            settings=deps.settings,
            links=deps.links,
            envelope_id=envelope_id,
            signer_id=body.signer_id,
        )
        return InvitationPublic(invitation_id=inv.id, url=url, expires_at=inv.expires_at)

    return await once.run(uow, act)


@router.get("/envelopes/{envelope_id}/invitations/{invitation_id}/qr.{fmt}")
async def invitation_qr(
    envelope_id: str,
    invitation_id: str,
    fmt: str,
    uow: UowDep,
    user: CurrentUser,
    deps: Deps,
) -> Response:
    """Return the invitation link as a QR code image (png or svg) for the lawyer to send."""
    if fmt not in ("png", "svg"):
        raise errors.FormatNotFound()
    inv = await invitations.own_invitation(
        uow, user=user, envelope_id=envelope_id, invitation_id=invitation_id
    )
    if inv.voided_at is not None:
        raise errors.InvitationVoided()
    url = deps.links.decrypt(inv.url)
    if fmt == "png":
        return Response(
            render.qr_png(url), media_type="image/png", headers={"cache-control": "no-store"}
        )
    return Response(
        render.qr_svg(url), media_type="image/svg+xml", headers={"cache-control": "no-store"}
    )


@router.post("/envelopes/{envelope_id}/void", response_model=EnvelopePublic)
async def void(envelope_id: str, body: VoidIn, uow: UowDep, user: CurrentUser) -> EnvelopePublic:
    """Void an open envelope (its owner only)."""
    return _public(
        await envelopes.void_envelope(uow, user=user, envelope_id=envelope_id, reason=body.reason)
    )


async def _current_bytes(uow: UowDep, user: Principal, envelope_id: str) -> tuple[Envelope, bytes]:
    envelope = await envelopes.visible_envelope(uow, user=user, envelope_id=envelope_id)
    doc = await uow.repo(SigningRepository).document(envelope.current_sha256)
    if doc is None:
        raise errors.DocumentNotFound()
    return envelope, doc.data


@router.get("/envelopes/{envelope_id}/document.pdf")
async def document(envelope_id: str, uow: UowDep, user: CurrentUser) -> Response:
    """Return the envelope's current bytes (the signed PDF once complete)."""
    envelope, data = await _current_bytes(uow, user, envelope_id)
    name = "signed.pdf" if envelope.status == EnvelopeStatus.COMPLETED else "document.pdf"
    if envelope.status == EnvelopeStatus.COMPLETED:
        # a signed PDF leaving the system is on the record, for staff as for partners
        evidence.audit_download(
            uow, user=user, envelope=envelope, what=name, sha=envelope.current_sha256
        )
        await uow.commit()
    return Response(
        data, media_type=PDF, headers={"content-disposition": f'attachment; filename="{name}"'}
    )


@router.get("/envelopes/{envelope_id}/pages/{n}.png")
async def page_image(envelope_id: str, n: int, uow: UowDep, user: CurrentUser) -> Response:
    """Return page `n` (1-based) of the current document as PNG."""
    envelope, data = await _current_bytes(uow, user, envelope_id)
    png = await envelopes.page_image(uow, envelope, number=n, data=data)
    return Response(png, media_type="image/png")


@router.get("/envelopes/{envelope_id}/firm-seal.png")
async def firm_seal(envelope_id: str, uow: UowDep, user: CurrentUser, deps: Deps) -> Response:
    """Return the firm's seal image (for placing it on the page)."""
    await envelopes.visible_envelope(uow, user=user, envelope_id=envelope_id)
    return Response(deps.firm.seal_png, media_type="image/png")


@router.post("/envelopes/{envelope_id}/firm-sign", response_model=EnvelopePublic)
async def firm_sign(
    envelope_id: str,
    body: PlacementIn,
    uow: UowDep,
    deps: Deps,
    once: Idempotent,
    user: Principal = Depends(require_roles(RISK_CONTROL)),
) -> EnvelopePublic | Response:
    """Apply the firm's signature, last, where risk control placed it."""

    async def act() -> EnvelopePublic:
        envelope = await signing.firm_sign(
            uow,
            user=user,
            settings=deps.settings,
            pki=deps.pki,
            engine=deps.engine,
            firm=deps.firm,
            envelope_id=envelope_id,
            placement=body.to_domain(),
        )
        return _public(envelope)

    return await once.run(uow, act)


@router.get("/envelopes/{envelope_id}/evidence.zip")
async def evidence_package(
    envelope_id: str, uow: UowDep, user: CurrentUser, deps: Deps
) -> Response:
    """Return the evidence package: signed PDF, platform-signed audit trail, hashes manifest."""
    data = await evidence.evidence_zip(
        uow,
        user=user,
        settings=deps.settings,
        pki=deps.pki,
        engine=deps.engine,
        firm=deps.firm,
        envelope_id=envelope_id,
    )
    return Response(
        data,
        media_type="application/zip",
        headers={"content-disposition": f'attachment; filename="evidence-{envelope_id}.zip"'},
    )


@router.get("/sandbox/transfers")
async def sandbox_transfers(
    deps: Deps, user: Principal = Depends(require_roles(ADMIN, RISK_CONTROL))
) -> dict[str, object]:
    """Show the amounts the sandbox bank provider pretended to send (operators and tests)."""
    bank = deps.bank
    if not isinstance(bank, SandboxBankTransfer):
        raise errors.SandboxNotFound()
    data = [
        {
            "reference": t.reference,
            "account_name": t.account_name,
            "account_number": t.account_number,
            "amount": f"{t.amount_fen / 100:.2f}",
            "amount_fen": t.amount_fen,
            "at": t.at,
        }
        for t in await bank.recent()
    ]
    return {"sandbox": True, "data": data, "count": len(data)}
