"""The signer's public JSON API, by invitation token: /api/signing/invite/{token}/..."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from cnid import mask_mobile
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from servicekit.app import UowDep

from ..adapters.repository import SigningRepository
from ..domain import errors
from ..domain.states import EnvelopeStatus
from ..service_layer import deposits, envelopes, face, identity, intent, invitations, signing
from ..service_layer.signer_view import signer_view
from .deps import Deps, SettingsDep, SignerActor, SignerIdempotent
from .schemas import PagePublic, PlacementIn

router = APIRouter(prefix="/api/signing/invite/{token}", tags=["signer"])


class IndividualIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    id_number: str = Field(min_length=15, max_length=18)
    # the third element: required when the lawyer entered the signer's mobile (always, today)
    mobile: str | None = Field(default=None, max_length=20)


class EnterpriseIn(BaseModel):
    company_name: str = Field(min_length=1, max_length=200)
    credit_code: str = Field(min_length=18, max_length=18)
    legal_representative: str = Field(min_length=1, max_length=100)
    bank_account_number: str = Field(min_length=4, max_length=64)


class AmountIn(BaseModel):
    amount: str = Field(min_length=1, max_length=8, description="yuan, e.g. 0.37")


class IntentCodeIn(BaseModel):
    code: str = Field(pattern=r"^\s*[0-9]{6}\s*$", description="the 6-digit SMS code")


class DeclineIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


class InviteEnvelopePublic(BaseModel):
    id: str
    title: str
    status: str
    verify_code: str


class InviteSignerPublic(BaseModel):
    signer_id: str
    kind: str
    name: str
    status: str
    method: str | None
    mobile_masked: str | None = None
    signed_at: datetime | None = None


class DepositPublic(BaseModel):
    """The enterprise's micro-deposit; `sandbox_amount` only from the sandbox bank."""

    status: str
    sent_at: datetime | None
    expires_at: datetime | None
    attempts_left: int
    sent_today: int
    daily_limit: int
    remaining_today: int
    sandbox_amount: str | None


class IntentPublic(BaseModel):
    """The signing-intent SMS code; `sandbox_code` only from the sandbox SMS."""

    status: str
    mobile_masked: str | None
    expires_at: datetime | None
    attempts_left: int
    resend_at: datetime | None
    sandbox_code: str | None


class InviteStatePublic(BaseModel):
    """What the signer's page needs: the document's pages, the signer and their progress."""

    sandbox: bool
    sms_sandbox: bool
    firm_name: str
    sender_name: str | None
    envelope: InviteEnvelopePublic
    signer: InviteSignerPublic
    expires_at: datetime
    pages: list[PagePublic]
    deposit: DepositPublic | None
    intent: IntentPublic | None
    face_status: str | None
    can_decline: bool
    signed_document_ready: bool


@router.get("", response_model=InviteStatePublic)
async def state(token: str, uow: UowDep, actor: SignerActor, deps: Deps) -> InviteStatePublic:
    """Return what the signer's page needs: document pages, the signer and their progress."""
    s = await invitations.open_session(
        uow, token=token, actor=actor, action="view", allow_closed=True
    )
    pages = await envelopes.page_geometry(uow, s.envelope)
    view = await signer_view(uow, s)
    await uow.commit()
    sandbox = deps.face.sandbox if s.signer.kind == "individual" else deps.bank.sandbox
    d = view.deposit
    return InviteStatePublic(
        sandbox=sandbox,
        sms_sandbox=deps.settings.sms_provider == "sandbox",
        firm_name=deps.settings.firm_name,
        sender_name=s.invitation.created_by_name,
        envelope=InviteEnvelopePublic.model_validate(s.envelope, from_attributes=True),
        signer=InviteSignerPublic(
            signer_id=s.signer.signer_id,
            kind=s.signer.kind,
            name=s.signer.name,
            status=s.signer.status,
            method=s.signer.method,
            mobile_masked=mask_mobile(s.signer.mobile) if s.signer.mobile else None,
            signed_at=s.signer.signed_at,
        ),
        expires_at=s.invitation.expires_at,
        pages=[PagePublic.of(p) for p in pages],
        deposit=None
        if d is None
        else DepositPublic(**asdict(d), remaining_today=max(d.daily_limit - d.sent_today, 0)),
        intent=None if view.intent is None else IntentPublic(**asdict(view.intent)),
        face_status=view.face_status,
        can_decline=view.can_decline,
        signed_document_ready=s.envelope.status == EnvelopeStatus.COMPLETED,
    )


@router.post("/verify/individual", response_model=dict[str, Any])
async def verify_individual(
    token: str,
    body: IndividualIn,
    uow: UowDep,
    actor: SignerActor,
    deps: Deps,
    once: SignerIdempotent,
) -> dict[str, Any] | Response:
    """Check the individual's name and resident ID number."""

    async def act() -> dict[str, Any]:
        signer = await identity.verify_individual(
            uow,
            token=token,
            actor=actor,
            name=body.name,
            id_number=body.id_number,
            mobile=body.mobile,
        )
        return {"status": signer.status, "next": "face", "sandbox": deps.face.sandbox}

    return await once.run(uow, act)


@router.post("/face/session")
async def face_session(token: str, uow: UowDep, actor: SignerActor, deps: Deps) -> dict[str, Any]:
    """Open a hosted (H5) face-check session; the page sends the signer to `redirect_url`."""
    url = await face.start_session(
        uow, token=token, actor=actor, provider=deps.face, settings=deps.settings
    )
    return {"redirect_url": url}


@router.post("/intent/request", response_model=dict[str, Any])
async def intent_request(
    token: str, uow: UowDep, actor: SignerActor, settings: SettingsDep, once: SignerIdempotent
) -> dict[str, Any] | Response:
    """Send a 6-digit SMS code to the signer's verified mobile (valid 5 minutes)."""

    async def act() -> dict[str, Any]:
        c = await intent.request_code(
            uow, token=token, actor=actor, sandbox=settings.sms_provider == "sandbox"
        )
        return {"sent": True, "mobile_masked": c.mobile_masked, "expires_at": c.expires_at}

    return await once.run(uow, act)


@router.post("/intent/confirm", response_model=dict[str, Any])
async def intent_confirm(
    token: str, body: IntentCodeIn, uow: UowDep, actor: SignerActor, once: SignerIdempotent
) -> dict[str, Any] | Response:
    """Confirm the intent to sign with the SMS code (five wrong entries void the code)."""

    async def act() -> dict[str, Any]:
        c = await intent.confirm_code(uow, token=token, actor=actor, code=body.code)
        return {"confirmed": True, "confirmed_at": c.confirmed_at}

    return await once.run(uow, act)


@router.post("/verify/enterprise", response_model=dict[str, Any])
async def verify_enterprise(
    token: str,
    body: EnterpriseIn,
    uow: UowDep,
    actor: SignerActor,
    deps: Deps,
    once: SignerIdempotent,
) -> dict[str, Any] | Response:
    """Check the enterprise's real-name details."""

    async def act() -> dict[str, Any]:
        signer = await identity.verify_enterprise(
            uow,
            token=token,
            actor=actor,
            company_name=body.company_name,
            credit_code=body.credit_code,
            legal_representative=body.legal_representative,
            bank_account_number=body.bank_account_number,
        )
        return {"status": signer.status, "next": "deposit", "sandbox": deps.bank.sandbox}

    return await once.run(uow, act)


@router.post("/deposit/request", response_model=dict[str, Any])
async def deposit_request(
    token: str, uow: UowDep, actor: SignerActor, deps: Deps, once: SignerIdempotent
) -> dict[str, Any] | Response:
    """Send a new random amount to the company's account (voids any previous amount)."""

    async def act() -> dict[str, Any]:
        challenge = await deposits.request_deposit(uow, token=token, actor=actor, bank=deps.bank)
        return {"sent": True, "expires_at": challenge.expires_at, "sandbox": challenge.sandbox}

    return await once.run(uow, act)


@router.post("/deposit/confirm", response_model=dict[str, Any])
async def deposit_confirm(
    token: str,
    body: AmountIn,
    uow: UowDep,
    actor: SignerActor,
    deps: Deps,
    once: SignerIdempotent,
) -> dict[str, Any] | Response:
    """Check the amount the company received; on success the signer is verified."""

    async def act() -> dict[str, Any]:
        signer = await deposits.confirm_deposit(
            uow, token=token, actor=actor, pki=deps.pki, amount=body.amount
        )
        return {"status": signer.status, "method": signer.method, "sandbox": signer.sandbox}

    return await once.run(uow, act)


@router.get("/seal.png")
async def seal(token: str, uow: UowDep, actor: SignerActor, deps: Deps) -> Response:
    """Return the seal this signer signs with."""
    s = await invitations.open_session(uow, token=token, actor=actor, action="seal")
    await uow.commit()
    return Response(signing.seal_for(s.signer, deps.seals), media_type="image/png")


@router.post("/signature.png")
async def upload_signature(
    token: str, request: Request, uow: UowDep, actor: SignerActor
) -> dict[str, Any]:
    """Keep a drawn signature (PNG body) that an individual signs with instead of the name seal."""
    data = await request.body()
    await signing.keep_drawn_signature(uow, token=token, actor=actor, png=data)
    return {"stored": True, "size": len(data)}


@router.post("/sign", response_model=dict[str, Any])
async def sign(
    token: str,
    body: PlacementIn,
    uow: UowDep,
    actor: SignerActor,
    deps: Deps,
    once: SignerIdempotent,
) -> dict[str, Any] | Response:
    """Sign (确认签署) with the seal at the chosen place."""

    async def act() -> dict[str, Any]:
        envelope, remaining = await signing.sign_as_counterparty(
            uow,
            token=token,
            actor=actor,
            pki=deps.pki,
            engine=deps.engine,
            seals=deps.seals,
            placement=body.to_domain(),
        )
        return {
            "signed": True,
            "document_sha256": envelope.current_sha256,
            "remaining_counterparties": remaining,
        }

    return await once.run(uow, act)


@router.post("/decline", response_model=dict[str, Any])
async def decline(
    token: str, body: DeclineIn, uow: UowDep, actor: SignerActor, once: SignerIdempotent
) -> dict[str, Any] | Response:
    """Decline to sign, with a reason; the envelope ends and the lawyer is told."""

    async def act() -> dict[str, Any]:
        envelope = await invitations.decline(uow, token=token, actor=actor, reason=body.reason)
        return {"status": envelope.status}

    return await once.run(uow, act)


@router.get("/pages/{n}.png")
async def page(token: str, n: int, uow: UowDep, actor: SignerActor) -> Response:
    """Return page `n` (1-based) of the current document as PNG."""
    s = await invitations.open_session(
        uow, token=token, actor=actor, action="page", allow_closed=True
    )
    doc = await uow.repo(SigningRepository).document(s.envelope.current_sha256)
    await uow.commit()
    if doc is None:
        raise errors.DocumentNotFound()
    png = await envelopes.page_image(uow, s.envelope, number=n, data=doc.data)
    return Response(png, media_type="image/png")


@router.get("/document.pdf")
async def document(token: str, uow: UowDep, actor: SignerActor) -> Response:
    """Download the current document (the signed PDF once complete)."""
    s = await invitations.open_session(
        uow, token=token, actor=actor, action="download", allow_closed=True
    )
    doc = await uow.repo(SigningRepository).document(s.envelope.current_sha256)
    await uow.commit()
    if doc is None:
        raise errors.DocumentNotFound()
    return Response(
        doc.data,
        media_type="application/pdf",
        headers={"content-disposition": 'attachment; filename="document.pdf"'},
    )
