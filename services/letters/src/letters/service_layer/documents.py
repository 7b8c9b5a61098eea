"""The letter as a PDF and as page images: live preview before approval, stored after."""

from __future__ import annotations

import io

from pypdf import PdfReader
from servicekit.auth import Principal
from servicekit.errors import NotFound
from servicekit.uow import UnitOfWork

from ..adapters.previews import page_png
from ..adapters.repository import DocumentRepository
from ..config import Settings
from ..domain.errors import NotSealed, PageOutOfRange
from .common import load_letter, render


async def _stored(uow: UnitOfWork, sha256: str) -> bytes:
    doc = await DocumentRepository(uow.session).get(sha256)
    if doc is None:
        raise NotFound(code="document_not_found")
    return doc.content


async def preview_pdf(
    uow: UnitOfWork, *, settings: Settings, user: Principal, letter_id: str
) -> bytes:
    """Return the letter as it prints: the approved PDF once numbered, else a live rendering."""
    letter = await load_letter(uow, letter_id=letter_id, user=user)
    if letter.document_sha256 is not None:
        return await _stored(uow, letter.document_sha256)
    return await render(letter, settings=settings, number=None)


async def preview_page(
    uow: UnitOfWork, *, settings: Settings, user: Principal, letter_id: str, page: int
) -> bytes:
    """Return one page of the preview as a PNG image."""
    pdf = await preview_pdf(uow, settings=settings, user=user, letter_id=letter_id)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    if not 1 <= page <= pages:
        raise PageOutOfRange(details={"pages": pages})
    return await page_png(pdf, page=page, dpi=settings.preview_dpi)


async def sealed_pdf(uow: UnitOfWork, *, user: Principal, letter_id: str) -> bytes:
    """Return the sealed PDF."""
    letter = await load_letter(uow, letter_id=letter_id, user=user)
    if letter.sealed_sha256 is None:
        raise NotSealed()
    return await _stored(uow, letter.sealed_sha256)


async def internal_document(uow: UnitOfWork, *, sha256: str) -> bytes:
    """Return a stored document for a sibling service (claim-check)."""
    return await _stored(uow, sha256)
