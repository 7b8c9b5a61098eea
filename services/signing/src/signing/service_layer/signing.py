"""Use cases of signing: a counterparty by token, the firm by risk control."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import io
import logging

from lexseal_ca.pki import CertificateAuthority, IssuedCredential, cert_pem
from lexseal_events import (
    Completed,
    CompletedData,
    CounterpartySigned,
    CounterpartySignedData,
    DocumentRef,
)
from pades.ltv import issued_by, to_crypto
from pades.pdf import PdfSigningEngine
from pades.seals import SealRenderer
from PIL import Image
from prometheus_client import Counter
from pyhanko.sign.signers import Signer
from servicekit.auth import RISK_CONTROL, Principal
from servicekit.db import utcnow
from servicekit.errors import AppError, Unavailable
from servicekit.uow import Actor, UnitOfWork

from ..adapters.errors import (
    AdapterError,
    KeySourceError,
    PdfError,
    PlacementError,
    TimestampUnavailable,
)
from ..adapters.firm import Firm
from ..adapters.pki import Pki
from ..adapters.repository import SigningRepository
from ..adapters.tables import Envelope, EnvelopeSigner
from ..config import Settings
from ..domain import errors, model
from . import archive, certificates, intent
from .envelopes import (
    evidence_url,
    page_geometry,
    signed_pdf_url,
    verify_url,
    visible_envelope,
)
from .invitations import open_session

log = logging.getLogger("signing.sign")

# counted when a signature is made and stored in the request's transaction
# document: contract | letter; signer: individual | enterprise | firm (EnvelopeSigner.kind)
SIGNATURES = Counter(
    "lexseal_signatures_total",
    "PDF signatures made (seals and signatures), by document and signer kind",
    ["document", "signer"],
)


def engine_error(exc: AdapterError) -> AppError:
    """Map an engine failure to the answer the caller gets."""
    if isinstance(exc, PlacementError):
        return errors.Invalid(
            f"The seal cannot go there: {exc.message}",
            "签章位置不可用：须在页面内且不能遮挡验签二维码",
            code=exc.code,
            details={"reason": exc.message},
        )
    if isinstance(exc, TimestampUnavailable):
        log.warning("timestamp authority failed: %s [%s]", exc.message, exc.detail)
        return errors.TimestampUnavailable()
    if isinstance(exc, PdfError):
        log.info("document cannot be signed (%s): %s [%s]", exc.code, exc.message, exc.detail)
        return errors.Invalid(
            f"The document cannot be signed: {exc.message}", "文件无法签署", code=exc.code
        )
    # the engine's own words (TSA URLs, pyHanko's and the token's messages) go to the log only
    log.warning("signing engine failed (%s): %s [%s]", exc.code, exc.message, exc.detail)
    # a firm key source's reason names the token (operators act on it); nothing else leaves
    details = {"reason": exc.message} if isinstance(exc, KeySourceError) else None
    if exc.status_code == 503:
        # e.g. the firm's token was removed or its module fails: it may come back
        return Unavailable(
            "Signing is unavailable for now; nothing was signed, retry later",
            "签章设备暂不可用，未做任何签署，请稍后重试",
            code=exc.code,
            details=details,
        )
    return AppError(
        "Signing failed; nothing was signed",
        "签署失败",
        code=exc.code,
        status_code=exc.status_code,
        details=details,
    )


async def current_firm_signer(uow: UnitOfWork, *, ca: CertificateAuthority, firm: Firm) -> Signer:
    """Return the firm's signer as of the latest revocations (a revoked certificate is renewed);
    a key source that cannot provide it answers with its code."""
    await certificates.refresh_revocations(uow, ca)
    try:
        signer = firm.signer()
    except AdapterError as exc:
        raise engine_error(exc) from exc
    cert = signer.signing_cert
    if cert is not None and issued_by(ca, cert):
        await certificates.register(uow, ca=ca, cert=to_crypto(cert), kind="firm")
    return signer


async def usable_certificate(uow: UnitOfWork, *, ca: CertificateAuthority, signer: Signer) -> None:
    """Refuse to sign with a certificate the internal CA has revoked (read from the register)."""
    await certificates.refresh_revocations(uow, ca)
    cert = signer.signing_cert
    if cert is None or not issued_by(ca, cert):
        return
    revocation = ca.revocation_of(to_crypto(cert))
    if revocation is not None:
        raise errors.CertificateRevoked(
            details={
                "serial": format(cert.serial_number, "x"),
                "reason": revocation.reason,
                "revoked_at": revocation.revoked_at.isoformat(),
            }
        )


async def apply_signature(
    uow: UnitOfWork,
    *,
    envelope: Envelope,
    pki: Pki,
    engine: PdfSigningEngine,
    signer: Signer,
    field_name: str,
    placement: model.Placement,
    seal_png: bytes,
    name: str,
    signer_kind: str,
    seam: bool = False,
) -> bytes:
    """Sign the envelope's latest bytes (row locked), make the result current and return it.

    With `seam`, the seal is also cut across every page's right edge (骑缝章) in the same update.
    """
    repo = uow.repo(SigningRepository)
    current = await repo.document(envelope.current_sha256)
    if current is None:
        raise errors.DocumentMissing()
    await usable_certificate(uow, ca=pki.ca, signer=signer)
    # The page as kept when its QR was stamped: the engine checks the seal against that QR.
    pages = await page_geometry(uow, envelope)
    recorded = pages[placement.page] if 0 <= placement.page < len(pages) else None
    try:
        # ~50-80 ms of CPU: off the event loop, so the relay, consumer and other
        # requests keep moving while a signature is computed.
        signed = await asyncio.to_thread(
            engine.sign,
            current.data,
            signer=signer,
            field_name=field_name,
            page=placement.page,
            box=placement.box,
            seal_png=seal_png,
            timestamper=pki.timestamper,
            name=name,
            recorded=recorded,
            validation_context=pki.ltv_context(signer),
            seam_pages=pages if seam else None,
        )
    except AdapterError as exc:
        raise engine_error(exc) from exc
    envelope.current_sha256 = await repo.store_document(signed)
    envelope.version += 1
    SIGNATURES.labels(document=envelope.kind, signer=signer_kind).inc()
    return signed


def _credential(sig: EnvelopeSigner, pki: Pki) -> IssuedCredential:
    return IssuedCredential.from_pem(
        certificate_pem=(sig.certificate_pem or "").encode(),
        private_key_pem=(sig.private_key_pem or "").encode(),
        chain_pem=b"".join(cert_pem(c) for c in pki.ca.chain),
        passphrase=pki.passphrase,
    )


MAX_SIGNATURE_PNG = 512 * 1024


async def keep_drawn_signature(uow: UnitOfWork, *, token: str, actor: Actor, png: bytes) -> None:
    """Keep an individual's drawn signature (PNG) to sign with instead of the name seal."""
    s = await open_session(uow, token=token, actor=actor, action="signature_upload", lock=True)
    if s.signer.kind != model.INDIVIDUAL or s.signer.status == model.SIGNED:
        raise errors.SignatureUploadNotAllowed()
    if len(png) > MAX_SIGNATURE_PNG or not png.startswith(b"\x89PNG\r\n\x1a\n"):
        raise errors.SignaturePngInvalid()
    try:
        with Image.open(io.BytesIO(png)) as img:
            img.verify()
    except (OSError, ValueError) as exc:
        raise errors.SignaturePngInvalid() from exc
    s.signer.signature_png = png
    s.envelope.record_audit(
        actor=actor,
        action="signature.uploaded",
        after={"signer_id": s.signer.signer_id, "sha256": hashlib.sha256(png).hexdigest()},
    )
    await uow.commit()


@functools.lru_cache(maxsize=512)
def _generated_seal(renderer: SealRenderer, kind: str, name: str) -> bytes:
    # Drawing a seal costs ~25 ms and its pixels depend only on the kind and the name.
    return renderer.individual(name) if kind == model.INDIVIDUAL else renderer.enterprise(name)


def seal_for(sig: EnvelopeSigner, seals: SealRenderer) -> bytes:
    """Return the seal a counterparty signs with: their drawn signature, else a generated seal."""
    if sig.signature_png:
        return sig.signature_png
    return _generated_seal(seals, sig.kind, sig.name)


async def sign_as_counterparty(
    uow: UnitOfWork,
    *,
    token: str,
    actor: Actor,
    pki: Pki,
    engine: PdfSigningEngine,
    seals: SealRenderer,
    placement: model.Placement,
) -> tuple[Envelope, int]:
    """Apply a verified counterparty's signature where they placed it; return what remains."""
    s = await open_session(uow, token=token, actor=actor, action="sign", lock=True)
    sig, envelope = s.signer, s.envelope
    if sig.status == model.SIGNED:
        raise errors.SignerAlreadySigned("You have already signed", "您已签章")
    if sig.status != model.VERIFIED:
        raise errors.IdentityNotVerified()
    confirmed = await intent.consume(uow, s)
    signer = engine.signer_for(_credential(sig, pki))
    await apply_signature(
        uow,
        envelope=envelope,
        pki=pki,
        engine=engine,
        signer=signer,
        field_name=f"sig_{sig.position + 1}",
        placement=placement,
        seal_png=seal_for(sig, seals),
        name=sig.name,
        signer_kind=sig.kind,
    )
    sig.status, sig.signed_at = model.SIGNED, utcnow()
    rows = await uow.repo(SigningRepository).signers(envelope.id)
    remaining = sum(1 for r in rows if r.kind != model.FIRM and r.status != model.SIGNED)
    envelope.record_audit(
        actor=actor,
        action="signature.applied",
        after={
            "signer_id": sig.signer_id,
            "document_sha256": envelope.current_sha256,
            "page": placement.page,
            "box": placement.box,
            "remaining_counterparties": remaining,
            "intent_challenge_id": confirmed.id,
        },
    )
    envelope.record_event(
        CounterpartySigned(
            source=uow.source,
            subject=envelope.id,
            data=CounterpartySignedData(
                envelope_id=envelope.id,
                contract_id=envelope.contract_id,
                owner_id=envelope.owner_id,
                signer_id=sig.signer_id,
                signer_name=sig.name,
                remaining_counterparties=remaining,
            ),
        )
    )
    await uow.commit()
    return envelope, remaining


def document_ref(
    settings: Settings, envelope: Envelope, *, size: int, filename: str
) -> DocumentRef:
    """Return the claim-check of an envelope's current bytes."""
    url = f"{settings.internal_base_url}/internal/signing/documents/{envelope.current_sha256}"
    return DocumentRef(sha256=envelope.current_sha256, size=size, url=url, filename=filename)


async def firm_sign(
    uow: UnitOfWork,
    *,
    user: Principal,
    settings: Settings,
    pki: Pki,
    engine: PdfSigningEngine,
    firm: Firm,
    envelope_id: str,
    placement: model.Placement,
) -> Envelope:
    """Apply the firm's signature last, by a risk-control user who does not own the contract."""
    if not user.has(RISK_CONTROL):
        raise errors.RiskControlOnly()
    envelope = await visible_envelope(uow, user=user, envelope_id=envelope_id, lock=True)
    if envelope.owner_id == user.id:
        raise errors.OwnerCannotFirmSign()
    model.ensure_open(envelope.status)
    rows = await uow.repo(SigningRepository).signers(envelope.id)
    model.ensure_counterparties_done(model.pending_counterparties(rows))
    firm_row = next(r for r in rows if r.kind == model.FIRM)
    signed = await apply_signature(
        uow,
        envelope=envelope,
        pki=pki,
        engine=engine,
        signer=await current_firm_signer(uow, ca=pki.ca, firm=firm),
        field_name="firm",
        placement=placement,
        seal_png=firm.seal_png,
        name=settings.firm_name,
        signer_kind=model.FIRM,
        seam=envelope.cross_page_seal,
    )
    now = utcnow()
    firm_row.status, firm_row.signed_at, firm_row.signed_by, firm_row.method = (
        model.SIGNED,
        now,
        user.id,
        "firm_key",
    )
    envelope.status, envelope.completed_at = model.COMPLETED, now
    # the document timestamp over the final revision (PAdES B-LTA), in the same transaction
    size = await archive.seal_for_archive(uow, envelope=envelope, pki=pki, signed=signed)
    envelope.record_audit(
        actor=user.actor,
        action="envelope.completed",
        after={
            "document_sha256": envelope.current_sha256,
            "page": placement.page,
            "box": placement.box,
            "cross_page_seal": envelope.cross_page_seal,
        },
    )
    envelope.record_event(
        Completed(
            source=uow.source,
            subject=envelope.id,
            data=CompletedData(
                envelope_id=envelope.id,
                contract_id=envelope.contract_id,
                owner_id=envelope.owner_id,
                document=document_ref(
                    settings,
                    envelope,
                    size=size,
                    filename=f"{envelope.title or 'contract'}-signed.pdf",
                ).model_copy(update={"public_url": signed_pdf_url(settings, envelope.id)}),
                verify_code=envelope.verify_code,
                verify_url=verify_url(settings, envelope.verify_code),
                firm_signer_id=user.id,
                firm_signer_name=user.display_name or user.username,
                evidence_url=evidence_url(settings, envelope.id),
            ),
        )
    )
    await uow.commit()
    return envelope
