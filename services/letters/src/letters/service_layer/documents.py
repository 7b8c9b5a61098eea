"""The letter as a PDF and as page images: live preview before approval, stored after."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal

from servicekit.auth import Principal
from servicekit.errors import NotFound
from servicekit.uow import UnitOfWork

from ..adapters.page_cache import PageImageCache
from ..adapters.previews import PreviewUnavailable, page_png
from ..adapters.repository import DocumentRepository
from ..adapters.tables import Letter
from ..config import Settings
from ..domain.errors import NotSealed, PageOutOfRange
from .common import load_letter, render


@dataclass(frozen=True)
class Preview:
    """What the preview is: a live rendering of the current text, or the approved PDF."""

    source: Literal["live", "approved"]
    sha256: str
    page_count: int | None
    pdf: bytes | None  # None when stored and not loaded yet


async def _stored(uow: UnitOfWork, sha256: str) -> bytes:
    doc = await uow.repo(DocumentRepository).get(sha256)
    if doc is None:
        raise NotFound(code="document_not_found")
    return doc.content


async def _preview(*, settings: Settings, letter: Letter) -> Preview:
    if letter.document_sha256 is not None:
        return Preview(
            source="approved", sha256=letter.document_sha256, page_count=letter.page_count, pdf=None
        )
    fresh = await render(letter, settings=settings, number=None)
    return Preview(source="live", sha256=fresh.sha256, page_count=fresh.page_count, pdf=fresh.pdf)


async def preview_info(
    uow: UnitOfWork, *, settings: Settings, user: Principal, letter_id: str
) -> Preview:
    """Describe the preview (source, hash, page count) without loading a stored PDF."""
    letter = await load_letter(uow, letter_id=letter_id, user=user)
    return await _preview(settings=settings, letter=letter)


async def preview_pdf(
    uow: UnitOfWork, *, settings: Settings, user: Principal, letter_id: str
) -> bytes:
    """Return the letter as it prints: the approved PDF once numbered, else a live rendering."""
    preview = await preview_info(uow, settings=settings, user=user, letter_id=letter_id)
    return preview.pdf if preview.pdf is not None else await _stored(uow, preview.sha256)


async def page_image(
    uow: UnitOfWork,
    *,
    settings: Settings,
    cache: PageImageCache,
    sha256: str,
    page_count: int | None,
    page: int,
    pdf: bytes | None = None,
) -> bytes:
    """Return one page (1-based) of a PDF as a PNG, from the cache or rendered once and kept."""
    if page_count is None:
        raise PreviewUnavailable(f"the page count of {sha256} is unknown")
    if not 1 <= page <= page_count:
        raise PageOutOfRange(details={"page": page, "page_count": page_count})
    dpi = settings.preview_dpi
    png = await asyncio.to_thread(cache.get, sha256=sha256, page=page, dpi=dpi)
    if png is None:
        source = pdf if pdf is not None else await _stored(uow, sha256)
        png = await page_png(source, page=page, dpi=dpi, timeout_s=settings.page_image_timeout_s)
        await asyncio.to_thread(cache.put, sha256=sha256, page=page, dpi=dpi, png=png)
    return png


async def preview_page(
    uow: UnitOfWork,
    *,
    settings: Settings,
    cache: PageImageCache,
    user: Principal,
    letter_id: str,
    page: int,
) -> bytes:
    """Return one page of the preview as a PNG image."""
    preview = await preview_info(uow, settings=settings, user=user, letter_id=letter_id)
    return await page_image(
        uow,
        settings=settings,
        cache=cache,
        sha256=preview.sha256,
        page_count=preview.page_count,
        page=page,
        pdf=preview.pdf,
    )


async def sealed_pdf(uow: UnitOfWork, *, user: Principal, letter_id: str) -> bytes:
    """Return the sealed PDF and audit the download (as partners' downloads are)."""
    letter = await load_letter(uow, letter_id=letter_id, user=user)
    if letter.sealed_sha256 is None:
        raise NotSealed()
    pdf = await _stored(uow, letter.sealed_sha256)
    letter.record_audit(
        actor=user.actor,
        action="document.downloaded",
        after={"file": "sealed.pdf", "sha256": letter.sealed_sha256},
    )
    await uow.commit()
    return pdf


async def sealed_page_of(
    uow: UnitOfWork, *, settings: Settings, cache: PageImageCache, letter: Letter, page: int
) -> bytes:
    """Return one page of a sealed letter as a PNG image."""
    if letter.sealed_sha256 is None:
        raise NotSealed()
    return await page_image(
        uow,
        settings=settings,
        cache=cache,
        sha256=letter.sealed_sha256,
        page_count=letter.sealed_page_count,
        page=page,
    )


async def sealed_page(
    uow: UnitOfWork,
    *,
    settings: Settings,
    cache: PageImageCache,
    user: Principal,
    letter_id: str,
    page: int,
) -> bytes:
    """Return one page of the sealed letter as a PNG image (the applicant and staff)."""
    letter = await load_letter(uow, letter_id=letter_id, user=user)
    return await sealed_page_of(uow, settings=settings, cache=cache, letter=letter, page=page)


async def internal_document(uow: UnitOfWork, *, sha256: str) -> bytes:
    """Return a stored document for a sibling service (claim-check)."""
    return await _stored(uow, sha256)
