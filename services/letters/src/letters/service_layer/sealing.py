"""The signing service's answer to an approved letter: the sealed PDF, or why sealing failed."""

from __future__ import annotations

import asyncio
import logging

from lexseal_events import (
    DocumentRef,
    DocumentSealed,
    LetterSealed,
    LetterSealedData,
    SealFailed,
)
from servicekit.internal import fetch_document
from servicekit.uow import SYSTEM, UnitOfWork

from ..adapters.page_count import count_pages
from ..adapters.repository import DocumentRepository, LetterRepository
from ..config import Settings
from ..domain import letters as rules
from .common import internal_document_url, touch
from .partner_documents import sealed_letter_url

log = logging.getLogger("letters.sealing")


async def on_document_sealed(uow: UnitOfWork, event: DocumentSealed, *, settings: Settings) -> None:
    """Fetch the sealed letter (hash-checked), keep it, and mark an electronic letter sealed."""
    data = event.data
    if data.kind != "letter":
        return
    letter = await uow.repo(LetterRepository).get(data.ref_id, lock=True)
    if letter is None:
        log.warning("sealed document for unknown letter %s ignored", data.ref_id)
        return
    if letter.sealed_sha256 is not None:
        return
    content = await fetch_document(data.document, secret=settings.internal_secret)
    await uow.repo(DocumentRepository).put(sha256=data.document.sha256, content=content)
    page_count = await asyncio.to_thread(count_pages, content)
    before = letter.audit_snapshot()
    letter.sealed_sha256 = data.document.sha256
    letter.sealed_page_count = page_count
    letter.verify_code = data.verify_code
    letter.verify_url = data.verify_url
    letter.seal_error = None
    letter.status = rules.status_after_sealing(kind=letter.kind, status=letter.status)
    touch(letter)
    letter.record_audit(
        actor=SYSTEM,
        action="letter.sealed",
        before=before,
    )
    letter.record_event(
        LetterSealed(
            source=uow.source,
            subject=letter.id,
            data=LetterSealedData(
                letter_id=letter.id,
                owner_id=letter.owner_id,
                kind=letter.kind.value,
                number=letter.number or "",
                document=DocumentRef(
                    sha256=data.document.sha256,
                    size=len(content),
                    url=internal_document_url(settings, data.document.sha256),
                    filename=f"letter-{letter.id}-sealed.pdf",
                    page_count=page_count,
                    public_url=sealed_letter_url(settings, letter.id),
                ),
                verify_code=data.verify_code,
                verify_url=data.verify_url,
            ),
        )
    )


async def on_seal_failed(uow: UnitOfWork, event: SealFailed) -> None:
    """Record why the firm's seal could not be applied, for the administrator to see."""
    data = event.data
    if data.kind != "letter":
        return
    letter = await uow.repo(LetterRepository).get(data.ref_id, lock=True)
    if letter is None or letter.sealed_sha256 is not None:
        return
    letter.seal_error = f"{data.code}: {data.reason}"
    touch(letter)
    letter.record_audit(
        actor=SYSTEM,
        action="letter.seal_failed",
        after={"code": data.code, "reason": data.reason},
    )
