"""Use case: seal an approved firm letter with the firm's key (QR, then one firm signature)."""

from __future__ import annotations

import logging
from datetime import timedelta

from lexseal_events import (
    DocumentSealed,
    DocumentSealedData,
    LetterApproved,
    SealFailed,
    SealFailedData,
)
from pades import letter
from pades.pdf import PdfSigningEngine
from servicekit.db import utcnow
from servicekit.domain import AuditFact
from servicekit.errors import AppError
from servicekit.internal import ClaimCheckError, fetch_document
from servicekit.uow import SYSTEM, UnitOfWork

from ..adapters.errors import AdapterError
from ..adapters.firm import Firm
from ..adapters.pki import Pki
from ..adapters.repository import SigningRepository
from ..adapters.tables import Envelope, EnvelopeSigner
from ..config import Settings
from ..domain import model
from . import archive
from .envelopes import new_verify_code, stamp_qr, verify_url
from .signing import apply_signature, current_firm_signer, document_ref

log = logging.getLogger("signing.letters")


async def _failed(uow: UnitOfWork, event: LetterApproved, *, code: str, reason: str) -> None:
    d = event.data
    log.error("letter %s cannot be sealed: %s", d.letter_id, code)
    uow.record(
        AuditFact(
            actor=SYSTEM,
            action="letter.seal_failed",
            object_type="letter",
            object_id=d.letter_id,
            after={"code": code, "reason": reason},
        )
    )
    uow.record(
        SealFailed(
            source=uow.source,
            subject=d.letter_id,
            data=SealFailedData(
                kind="letter", ref_id=d.letter_id, owner_id=d.owner_id, code=code, reason=reason
            ),
        )
    )
    await uow.commit()  # collected while the event's correlation id is current


def letter_placement(page_count: int) -> model.Placement:
    """Return where the firm's seal goes on a letter: the box the letters service laid it out
    around (pades.letter, which both services read)."""
    page, (x1, y1, x2, y2) = letter.seal_box(page_count)
    return model.Placement(page=page, x=x1, y=y1, width=x2 - x1, height=y2 - y1)


async def seal_letter(
    uow: UnitOfWork,
    event: LetterApproved,
    *,
    settings: Settings,
    pki: Pki,
    engine: PdfSigningEngine,
    firm: Firm,
) -> None:
    """Fetch the letter, stamp its QR, firm-sign it at the letter seal box, publish the result."""
    d = event.data
    try:
        original = await fetch_document(
            d.document, secret=settings.internal_secret, max_bytes=settings.max_document_bytes
        )
    except ClaimCheckError as exc:
        if exc.code == "claim_unavailable":
            raise  # the letters service may be restarting: let the broker redeliver
        await _failed(uow, event, code=exc.code, reason=str(exc))
        return
    code = new_verify_code()
    repo = uow.repo(SigningRepository)
    try:
        prepared, pages = await stamp_qr(original, url=verify_url(settings, code))
    except AdapterError as exc:
        await _failed(uow, event, code=exc.code, reason=exc.message)
        return
    envelope = Envelope(
        kind="letter",
        contract_id=d.letter_id,
        owner_id=d.owner_id,
        title=d.number,
        status=model.PREPARED,
        verify_code=code,
        original_sha256=await repo.store_document(original),
        current_sha256=await repo.store_document(prepared),
        expires_at=utcnow() + timedelta(days=1),
        pages=[p.to_json() for p in pages],
        cross_page_seal=d.cross_page_seal,
    )
    repo.add(envelope)
    await repo.flush()
    firm_row = EnvelopeSigner(
        envelope_id=envelope.id,
        signer_id=model.FIRM,
        kind=model.FIRM,
        position=0,
        name=settings.firm_name,
    )
    repo.add(firm_row)
    placement = letter_placement(len(pages))
    try:
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
    except AppError as exc:
        if exc.status_code >= 500:
            # a TSA or token outage passes, a key an operator must fix stays in the
            # dead-letter queue: either way the letter is not the problem
            raise
        # Nothing of this attempt is kept, only the verdict (and the inbox row).
        await uow.undo()
        await _failed(uow, event, code=exc.code, reason=exc.message_en)
        return
    now = utcnow()
    firm_row.status, firm_row.signed_at, firm_row.method = model.SIGNED, now, "firm_key"
    envelope.status, envelope.completed_at = model.COMPLETED, now
    # PAdES B-LTA
    size = await archive.seal_for_archive(uow, envelope=envelope, pki=pki, signed=signed)
    envelope.record_audit(
        actor=SYSTEM,
        action="letter.sealed",
        after={
            "letter_id": d.letter_id,
            "document_sha256": envelope.current_sha256,
            "cross_page_seal": envelope.cross_page_seal,
        },
    )
    envelope.record_event(
        DocumentSealed(
            source=uow.source,
            subject=d.letter_id,
            data=DocumentSealedData(
                kind="letter",
                ref_id=d.letter_id,
                owner_id=d.owner_id,
                document=document_ref(settings, envelope, size=size, filename=f"{d.number}.pdf"),
                verify_code=code,
                verify_url=verify_url(settings, code),
            ),
        )
    )
    await uow.commit()  # collected while the envelope is held (see envelopes.prepare_envelope)
