"""Thin HTTP routes of the applying lawyer: the letter form, content, delivery, previews."""

from __future__ import annotations

from fastapi import APIRouter, Response
from servicekit.app import UowDep
from servicekit.auth import CurrentUser
from servicekit.idempotency import Idempotent

from ..service_layer import applications, delivery, documents
from ..service_layer.commands import DeliveryIn, LetterContentIn, LetterCreate, LetterUpdate
from .deps import Deps, FilterDep, Lawyer, Limit
from .schemas import (
    PAGE_IMAGE,
    SEALED_PAGE_IMAGE,
    LetterPreviewPublic,
    LetterPublic,
    LettersPublic,
    LetterTypePublic,
    LetterTypesPublic,
    decode_cursor,
    page_of,
)

router = APIRouter(prefix="/api/letters", tags=["letters"])


@router.get("/letter-types", response_model=LetterTypesPublic)
async def letter_types(deps: Deps, user: CurrentUser) -> LetterTypesPublic:
    """List the configured letter types."""
    data = [
        LetterTypePublic(
            code=t.code, name_zh=t.name_zh, name_en=t.name_en, cross_page_seal=t.cross_page_seal
        )
        for t in deps.settings.letter_types
    ]
    return LetterTypesPublic(data=data, count=len(data))


@router.post("/letters", response_model=LetterPublic, status_code=201)
async def create_letter(
    body: LetterCreate, uow: UowDep, deps: Deps, user: Lawyer, once: Idempotent
) -> LetterPublic | Response:
    """Save a new letter application as a draft."""

    async def act() -> LetterPublic:
        letter = await applications.create_letter(uow, settings=deps.settings, user=user, data=body)
        return LetterPublic.of(letter)

    return await once.run(uow, act)


@router.get("/letters", response_model=LettersPublic)
async def list_letters(
    uow: UowDep,
    user: CurrentUser,
    where: FilterDep,
    cursor: str | None = None,
    limit: Limit = 20,
    scope: str = "mine",
) -> LettersPublic:
    """List the caller's letters (staff with scope=all: everyone's), newest first."""
    rows = await applications.list_letters(
        uow,
        user=user,
        where=where,
        after=decode_cursor(cursor),
        limit=limit + 1,
        all_owners=scope == "all",
    )
    return page_of(rows, limit=limit)


@router.get("/letters/{letter_id}", response_model=LetterPublic)
async def get_letter(letter_id: str, uow: UowDep, user: CurrentUser) -> LetterPublic:
    """Show one letter."""
    return LetterPublic.of(await applications.get_letter(uow, user=user, letter_id=letter_id))


@router.patch("/letters/{letter_id}", response_model=LetterPublic)
async def update_letter(
    letter_id: str, body: LetterUpdate, uow: UowDep, deps: Deps, user: Lawyer
) -> LetterPublic:
    """Edit the form fields of a draft, rejected or withdrawn letter."""
    letter = await applications.update_letter(
        uow, settings=deps.settings, user=user, letter_id=letter_id, changes=body
    )
    return LetterPublic.of(letter)


@router.put("/letters/{letter_id}/content", response_model=LetterPublic)
async def put_content(
    letter_id: str, body: LetterContentIn, uow: UowDep, deps: Deps, user: Lawyer
) -> LetterPublic:
    """Replace the letter's content."""
    letter = await applications.put_content(
        uow, settings=deps.settings, user=user, letter_id=letter_id, content=body
    )
    return LetterPublic.of(letter)


@router.put("/letters/{letter_id}/delivery", response_model=LetterPublic)
async def put_delivery(letter_id: str, body: DeliveryIn, uow: UowDep, user: Lawyer) -> LetterPublic:
    """Choose self pick-up or mail to the applicant for a paper letter."""
    letter = await delivery.put_delivery(uow, user=user, letter_id=letter_id, data=body)
    return LetterPublic.of(letter)


@router.post("/letters/{letter_id}/submit", response_model=LetterPublic)
async def submit(letter_id: str, uow: UowDep, deps: Deps, user: Lawyer) -> LetterPublic:
    """Submit the letter for approval."""
    letter = await applications.submit_letter(
        uow, settings=deps.settings, user=user, letter_id=letter_id
    )
    return LetterPublic.of(letter)


@router.post("/letters/{letter_id}/withdraw", response_model=LetterPublic)
async def withdraw(letter_id: str, uow: UowDep, user: Lawyer) -> LetterPublic:
    """Withdraw a submitted letter."""
    return LetterPublic.of(await applications.withdraw_letter(uow, user=user, letter_id=letter_id))


@router.get("/letters/{letter_id}/preview", response_model=LetterPreviewPublic)
async def preview(
    letter_id: str, uow: UowDep, deps: Deps, user: CurrentUser
) -> LetterPreviewPublic:
    """Describe the preview: live or approved, its hash and its page count."""
    info = await documents.preview_info(uow, settings=deps.settings, user=user, letter_id=letter_id)
    return LetterPreviewPublic(
        letter_id=letter_id, source=info.source, sha256=info.sha256, page_count=info.page_count
    )


@router.get("/letters/{letter_id}/preview.pdf")
async def preview_pdf(letter_id: str, uow: UowDep, deps: Deps, user: CurrentUser) -> Response:
    """Show the letter as it prints (函件内容预览)."""
    pdf = await documents.preview_pdf(uow, settings=deps.settings, user=user, letter_id=letter_id)
    return Response(pdf, media_type="application/pdf", headers={"Cache-Control": "no-store"})


@router.get("/letters/{letter_id}/pages/{page}.png", response_class=Response, responses=PAGE_IMAGE)
async def preview_page(
    letter_id: str,
    page: int,
    uow: UowDep,
    deps: Deps,
    user: CurrentUser,
) -> Response:
    """Show one page of the letter's preview as an image."""
    png = await documents.preview_page(
        uow,
        settings=deps.settings,
        cache=deps.page_images,
        user=user,
        letter_id=letter_id,
        page=page,
    )
    # a draft's preview changes with every edit under the same URL
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


@router.get("/letters/{letter_id}/document.pdf")
async def sealed_document(letter_id: str, uow: UowDep, user: CurrentUser) -> Response:
    """Download the sealed letter."""
    pdf = await documents.sealed_pdf(uow, user=user, letter_id=letter_id)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="letter-{letter_id}.pdf"'},
    )


@router.get(
    "/letters/{letter_id}/sealed/pages/{page}.png",
    response_class=Response,
    responses=SEALED_PAGE_IMAGE,
)
async def sealed_page(
    letter_id: str,
    page: int,
    uow: UowDep,
    deps: Deps,
    user: CurrentUser,
) -> Response:
    """Show one page of the sealed letter as an image (the applicant and letter staff)."""
    png = await documents.sealed_page(
        uow,
        settings=deps.settings,
        cache=deps.page_images,
        user=user,
        letter_id=letter_id,
        page=page,
    )
    # a letter is sealed once, so this URL always shows the same image
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})
