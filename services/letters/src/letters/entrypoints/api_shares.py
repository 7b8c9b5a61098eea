"""Share links: the applicant's management routes and the recipient's public pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Cookie, Query, Request, Response
from fastapi.responses import HTMLResponse
from servicekit.app import UowDep
from servicekit.auth import client_ip
from servicekit.db import utcnow
from servicekit.idempotency import Idempotent

from ..domain.errors import ShareUnavailable
from ..domain.letters import ShareState
from ..service_layer import sharing
from .deps import Deps, Lawyer
from .schemas import (
    SHARED_PAGE_IMAGE,
    ShareCreated,
    ShareOpenPublic,
    ShareOpensPublic,
    SharePublic,
    SharesPublic,
)
from .share_page import LANG_COOKIE, language, render_share_page, render_unavailable_page

router = APIRouter(prefix="/api/letters/letters/{letter_id}/shares", tags=["letters-shares"])
public_router = APIRouter(tags=["letters-public"])


@router.post("", response_model=ShareCreated, status_code=201)
async def create_share(
    letter_id: str, uow: UowDep, deps: Deps, user: Lawyer, once: Idempotent
) -> ShareCreated | Response:
    """Create an expiring share link, with its QR code, for the sealed letter."""

    async def act() -> ShareCreated:
        new = await sharing.create_share(
            uow, settings=deps.settings, user=user, letter_id=letter_id
        )
        base = SharePublic.of(new.share, state=ShareState.ACTIVE)
        token = new.url.rsplit("/", 1)[-1]
        return ShareCreated(
            **base.model_dump(), token=token, url=new.url, qr_png_base64=new.qr_png_base64
        )

    return await once.run(uow, act)


@router.get("", response_model=SharesPublic)
async def list_shares(letter_id: str, uow: UowDep, user: Lawyer) -> SharesPublic:
    """List the letter's share links."""
    now = utcnow()
    shares = await sharing.list_shares(uow, user=user, letter_id=letter_id)
    data = [SharePublic.of(s, state=sharing.share_state(s, now=now)) for s in shares]
    return SharesPublic(data=data, count=len(data))


@router.delete("/{share_id}", response_model=SharePublic)
async def revoke_share(letter_id: str, share_id: str, uow: UowDep, user: Lawyer) -> SharePublic:
    """Revoke a share link."""
    share = await sharing.revoke_share(uow, user=user, letter_id=letter_id, share_id=share_id)
    return SharePublic.of(share, state=ShareState.REVOKED)


@router.get("/{share_id}/opens", response_model=ShareOpensPublic)
async def share_opens(letter_id: str, share_id: str, uow: UowDep, user: Lawyer) -> ShareOpensPublic:
    """List every opening of a share link: time, IP, browser."""
    opens = await sharing.share_opens(uow, user=user, letter_id=letter_id, share_id=share_id)
    data = [ShareOpenPublic.of(o) for o in opens]
    return ShareOpensPublic(data=data, count=len(data))


@public_router.get("/share/{token}", response_class=HTMLResponse)
async def share_page(
    token: str,
    request: Request,
    uow: UowDep,
    deps: Deps,
    lang: Annotated[str | None, Query(pattern="^(zh|en)$")] = None,
    lexseal_lang: Annotated[str | None, Cookie()] = None,
) -> HTMLResponse:
    """Show the shared letter to its recipient (no account needed), in the chosen language.

    Chinese unless English was chosen: `?lang=en` (the page's switch, remembered in the
    site-wide `lexseal_lang` cookie) or that cookie set by another lexseal page.
    """
    chosen = language(lang, lexseal_lang)
    try:
        letter, _ = await sharing.open_share(
            uow,
            token=token,
            what="page",
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent"),
        )
    except ShareUnavailable:
        return _remember(HTMLResponse(render_unavailable_page(chosen), status_code=404), lang)
    api = f"{deps.settings.public_base_url}/api/letters/share/{token}"
    pages = [f"{api}/pages/{n}.png" for n in range(1, (letter.sealed_page_count or 0) + 1)]
    html = render_share_page(
        letter,
        firm_name=deps.settings.firm_name,
        pdf_url=f"{api}/document.pdf",
        page_urls=pages,
        lang=chosen,
    )
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    return _remember(HTMLResponse(html, headers=headers), lang)


def _remember(response: HTMLResponse, lang: str | None) -> HTMLResponse:
    """Keep a language chosen with the page's switch for every lexseal page (a year)."""
    if lang is not None:
        response.set_cookie(LANG_COOKIE, lang, max_age=31536000, path="/", samesite="lax")
    return response


@public_router.get("/api/letters/share/{token}/document.pdf")
async def share_document(token: str, request: Request, uow: UowDep) -> Response:
    """Download the shared, sealed letter."""
    letter, pdf = await sharing.open_share(
        uow,
        token=token,
        what="document",
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )
    return Response(
        pdf or b"",
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="letter-{letter.id}.pdf"',
            "Cache-Control": "no-store",
        },
    )


@public_router.get(
    "/api/letters/share/{token}/pages/{page}.png",
    response_class=Response,
    responses=SHARED_PAGE_IMAGE,
)
async def share_page_image(token: str, page: int, uow: UowDep, deps: Deps) -> Response:
    """Show one page of the shared, sealed letter as an image."""
    png = await sharing.shared_page(
        uow, settings=deps.settings, cache=deps.page_images, token=token, page=page
    )
    # no-store, like the PDF: a revoked link must stop showing the letter
    return Response(
        png,
        media_type="image/png",
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )
