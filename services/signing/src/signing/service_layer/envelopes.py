"""Use cases of an envelope's life: prepare on approval, read, void, withdraw, expire."""

from __future__ import annotations

import asyncio
import logging
import secrets
from datetime import datetime, timedelta

from lexseal_events import (
    ContractWithdrawn,
    EnvelopePrepared,
    EnvelopePreparedData,
    Expired,
    ExpiredData,
    ReviewApproved,
    Voided,
    VoidedData,
)
from pades import pdf
from pades.geometry import PageGeometry
from servicekit.auth import RISK_CONTROL, Principal
from servicekit.db import utcnow
from servicekit.internal import fetch_document
from servicekit.pdflimits import (
    LIMIT_CODES,
    PdfLimitExceeded,
    PdfWorkerFailed,
    PdfWorkerLost,
    checked_page_count,
    page_too_large,
    preload,
    run_limited,
)
from servicekit.uow import SYSTEM, Actor, UnitOfWork

from ..adapters import render
from ..adapters.errors import PdfError
from ..adapters.repository import SigningRepository
from ..adapters.tables import Envelope, EnvelopeSigner
from ..config import Settings
from ..domain import errors, model
from ..domain.states import EnvelopeStatus

log = logging.getLogger("signing.envelopes")
preload(__name__)  # the bounded children that stamp start with pypdf and the seals imported


def new_verify_code() -> str:
    """Return a random verification code (192 bits)."""
    return secrets.token_urlsafe(24)


def verify_url(settings: Settings, code: str) -> str:
    """Return the public verification link of a code."""
    return f"{settings.public_base_url}/verify/{code}"


PARTNER_PREFIX = "/api/signing/partner/envelopes"


def signed_pdf_url(settings: Settings, envelope_id: str) -> str:
    """Return the public route a partner downloads the signed PDF from."""
    return f"{settings.public_base_url.rstrip('/')}{PARTNER_PREFIX}/{envelope_id}/signed.pdf"


def evidence_url(settings: Settings, envelope_id: str) -> str:
    """Return the public route a partner downloads the evidence package from."""
    return f"{settings.public_base_url.rstrip('/')}{PARTNER_PREFIX}/{envelope_id}/evidence.zip"


def _stamp(original: bytes, url: str) -> tuple[bytes, list[PageGeometry]]:
    checked_page_count(original)  # refuses an absurd page box or /UserUnit before any work
    prepared = pdf.prepare(original, url)
    return prepared, pdf.document_geometry(prepared)


async def stamp_qr(original: bytes, *, url: str) -> tuple[bytes, list[PageGeometry]]:
    """Stamp the verification QR on every page; return the new bytes and their pages.

    The document came from outside: it is parsed and rewritten in a child under the shared
    PDF limits (servicekit.pdflimits); a child lost to a shutdown raises PdfWorkerLost,
    which the consumer retries.
    """
    try:
        return await asyncio.to_thread(run_limited, _stamp, original, url)
    except PdfWorkerLost:
        raise
    except PdfWorkerFailed as exc:
        log.warning(
            "a %d-byte PDF cannot be stamped: %s (%s)", len(original), exc.reason, exc.error
        )
        raise PdfError(
            "the PDF cannot be prepared for signing", code=exc.code or "not_a_pdf"
        ) from None
    except PdfLimitExceeded as exc:
        raise PdfError(
            "the PDF is beyond the limits for signing",
            code=LIMIT_CODES.get(exc.reason, "pdf_too_complex"),
        ) from None


async def prepare_envelope(
    uow: UnitOfWork, event: ReviewApproved, *, settings: Settings
) -> Envelope | None:
    """Fetch the approved document, stamp its QR once and record the signing order."""
    d = event.data
    repo = uow.repo(SigningRepository)
    if await repo.open_envelopes_of(d.contract_id):
        log.info(
            "contract %s already has an open envelope; approval round %s ignored",
            d.contract_id,
            d.round,
        )
        return None
    original = await fetch_document(
        d.document, secret=settings.internal_secret, max_bytes=settings.max_document_bytes
    )
    code = new_verify_code()
    prepared, pages = await stamp_qr(original, url=verify_url(settings, code))
    original_sha = await repo.store_document(original)
    current_sha = await repo.store_document(prepared)
    envelope = Envelope(
        contract_id=d.contract_id,
        owner_id=d.owner_id,
        title=d.title,
        status=model.PREPARED,
        verify_code=code,
        original_sha256=original_sha,
        current_sha256=current_sha,
        expires_at=utcnow() + timedelta(hours=settings.envelope_ttl_hours),
        pages=[p.to_json() for p in pages],
        cross_page_seal=d.cross_page_seal,
    )
    repo.add(envelope)
    await repo.flush()
    ordered = sorted(d.signers, key=lambda s: s.order)
    rows = [
        EnvelopeSigner(
            envelope_id=envelope.id,
            signer_id=s.signer_id,
            kind=s.kind,
            position=i,
            name=s.name,
            id_number=s.id_number,
            legal_representative=s.legal_representative,
            bank_account_number=s.bank_account_number,
            mobile=s.mobile or s.operator_mobile,
        )
        for i, s in enumerate(ordered)
    ]
    rows.append(
        EnvelopeSigner(
            envelope_id=envelope.id,
            signer_id=model.FIRM,
            kind=model.FIRM,
            position=len(rows),
            name=settings.firm_name,
        )
    )
    repo.add(*rows)
    envelope.record_audit(
        actor=SYSTEM,
        action="envelope.prepared",
        after={
            "contract_id": d.contract_id,
            "document_sha256": current_sha,
            "signers": [r.signer_id for r in rows],
            "cross_page_seal": d.cross_page_seal,
        },
    )
    envelope.record_event(
        EnvelopePrepared(
            source=uow.source,
            subject=envelope.id,
            data=EnvelopePreparedData(
                envelope_id=envelope.id,
                contract_id=d.contract_id,
                owner_id=d.owner_id,
                verify_code=code,
                document_sha256=current_sha,
                signer_ids=[r.signer_id for r in rows],
            ),
        )
    )
    # Commit here, not only in the consumer after the handler: what the envelope recorded is
    # collected while it is held and while the event's correlation id is current (in a batch,
    # commit writes and the batch commits once).
    await uow.commit()
    return envelope


async def visible_envelope(
    uow: UnitOfWork, *, user: Principal, envelope_id: str, lock: bool = False
) -> Envelope:
    """Return an envelope the caller may see (its owner or risk control), else 404."""
    envelope = await uow.repo(SigningRepository).envelope(envelope_id, lock=lock)
    if envelope is None or not (envelope.owner_id == user.id or user.has(RISK_CONTROL)):
        raise errors.EnvelopeNotFound()
    return envelope


async def list_envelopes(
    uow: UnitOfWork, *, user: Principal, contract_id: str | None
) -> list[tuple[Envelope, list[EnvelopeSigner]]]:
    """Return the envelopes the caller may see, each with its signers in order."""
    owner = None if user.has(RISK_CONTROL) else user.id
    repo = uow.repo(SigningRepository)
    envelopes = await repo.envelopes(contract_id=contract_id, owner_id=owner)
    signers = await repo.signers_of_envelopes(contract_id=contract_id, owner_id=owner)
    return [(e, signers.get(e.id, [])) for e in envelopes]


async def page_geometry(uow: UnitOfWork, envelope: Envelope) -> list[PageGeometry]:
    """Return the envelope's pages as placement sees them (kept since the QR was stamped)."""
    stored = envelope.pages
    if stored is not None and all(PageGeometry.is_complete(p) for p in stored):
        return [PageGeometry.from_json(p) for p in stored]
    # Stamped before the geometry was kept in full: the QR sits where the earlier rule put it,
    # and the CropBox comes from the document (signatures never move pages, so the current
    # bytes answer as well as the prepared ones).
    doc = await uow.repo(SigningRepository).document(envelope.current_sha256)
    if doc is None:
        return []
    return await asyncio.to_thread(pdf.document_geometry, doc.data, legacy=True)


async def page_image(uow: UnitOfWork, envelope: Envelope, *, number: int, data: bytes) -> bytes:
    """Return page `number` (1-based) of `data` as PNG: 404 past either end, bounded render."""
    pages = await page_geometry(uow, envelope)
    if not 1 <= number <= len(pages):
        raise errors.PageNotFound()
    x1, y1, x2, y2 = pages[number - 1].cropbox
    if page_too_large(x2 - x1, y2 - y1):
        raise errors.PageTooLarge()
    try:
        return await render.page_png(data, page=number)
    except (PdfError, PdfLimitExceeded) as exc:
        log.warning("page %s of envelope %s not rendered: %s", number, envelope.id, exc)
        raise errors.PageRenderFailed() from None


async def envelope_detail(
    uow: UnitOfWork, *, user: Principal, envelope_id: str
) -> tuple[Envelope, list[EnvelopeSigner], list[PageGeometry]]:
    """Return an envelope, its signers in order and its pages."""
    envelope = await visible_envelope(uow, user=user, envelope_id=envelope_id)
    signers = await uow.repo(SigningRepository).signers(envelope.id)
    return envelope, signers, await page_geometry(uow, envelope)


def _end(envelope: Envelope, *, status: EnvelopeStatus, actor: Actor, reason: str | None) -> None:
    before = envelope.status
    envelope.status = status
    envelope.ended_reason = reason
    envelope.version += 1
    envelope.record_audit(
        actor=actor,
        action=f"envelope.{status}",
        before={"status": before},
        after={"status": status, "reason": reason},
    )


async def void_envelope(
    uow: UnitOfWork, *, user: Principal, envelope_id: str, reason: str | None
) -> Envelope:
    """Void an open envelope (its owner only)."""
    envelope = await visible_envelope(uow, user=user, envelope_id=envelope_id, lock=True)
    if envelope.owner_id != user.id:
        raise errors.OwnerOnly(
            "Only the lawyer who owns the contract can void it", "仅合同所属律师可作废"
        )
    model.ensure_open(envelope.status)
    _end(envelope, status=model.VOIDED, actor=user.actor, reason=reason)
    envelope.record_event(
        Voided(
            source=uow.source,
            subject=envelope.id,
            data=VoidedData(
                envelope_id=envelope.id,
                contract_id=envelope.contract_id,
                owner_id=envelope.owner_id,
                actor_id=user.id,
                reason=reason,
            ),
        )
    )
    await uow.commit()
    return envelope


async def withdraw_contract(uow: UnitOfWork, event: ContractWithdrawn) -> None:
    """Void the open envelope of a withdrawn contract."""
    repo = uow.repo(SigningRepository)
    actor = Actor(id=event.data.actor_id, name="contract.withdrawn")
    ended: list[Envelope] = []
    for envelope in await repo.open_envelopes_of(event.data.contract_id):
        locked = await repo.envelope(envelope.id, lock=True)
        if locked is None or locked.status != model.PREPARED:
            continue
        reason = event.data.reason or "contract withdrawn"
        _end(locked, status=model.VOIDED, actor=actor, reason=reason)
        locked.record_event(
            Voided(
                source=uow.source,
                subject=locked.id,
                data=VoidedData(
                    envelope_id=locked.id,
                    contract_id=locked.contract_id,
                    owner_id=locked.owner_id,
                    actor_id=event.data.actor_id,
                    reason=reason,
                ),
            )
        )
        ended.append(locked)
    # one commit for all, while they are held: what they recorded is collected (see
    # prepare_envelope)
    await uow.commit()


async def expire_due(uow: UnitOfWork, *, now: datetime | None = None) -> int:
    """Mark every open envelope past its expiry as expired; return how many."""
    now = now or utcnow()
    repo = uow.repo(SigningRepository)
    due = await repo.expired_envelopes(now=now)
    for envelope in due:
        _end(envelope, status=model.EXPIRED, actor=SYSTEM, reason="expired")
        envelope.record_event(
            Expired(
                source=uow.source,
                subject=envelope.id,
                data=ExpiredData(
                    envelope_id=envelope.id,
                    contract_id=envelope.contract_id,
                    owner_id=envelope.owner_id,
                    expired_at=now,
                ),
            )
        )
    if due:
        await uow.commit()
    return len(due)
