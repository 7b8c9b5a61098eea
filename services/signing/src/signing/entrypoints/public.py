"""Public routes: verification (验签), the root certificate, the signer and verify pages."""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
from typing import Annotated, Any
from urllib.parse import unquote

from fastapi import APIRouter, Cookie, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from lexseal_ca.pki import CRL_PATH, OCSP_PATH, ROOT_CRL_PATH
from pades.verify import Problem, VerificationReport
from servicekit.app import UowDep
from servicekit.errors import AppError, NotFound

from ..service_layer import certificates, invitations, verification
from . import pages, verify_render
from .deps import Deps, SettingsDep, SignerActor

router = APIRouter(tags=["verify"])


@router.get("/api/verify/ca.pem")
async def ca_pem(deps: Deps) -> Response:
    """Publish the platform's root certificate (the trust anchor of every lexseal signature)."""
    return Response(
        deps.pki.ca.root_pem(),
        media_type="application/x-pem-file",
        headers={"content-disposition": 'attachment; filename="lexseal-root-ca.pem"'},
    )


def _crl(der: bytes) -> Response:
    return Response(
        der,
        media_type="application/pkix-crl",
        # reissued daily and on every revocation: a cache may keep it for a minute
        headers={"cache-control": "public, max-age=60"},
    )


@router.get(CRL_PATH)
async def issuing_crl(uow: UowDep, deps: Deps) -> Response:
    """Publish the (first) issuing CA's CRL (DER), the distribution point its certificates name."""
    return _crl(await certificates.crl_der(uow, ca=deps.pki.ca, generation=1))


@router.get("/api/verify/crl/issuing-{generation}.crl")
async def later_issuing_crl(generation: int, uow: UowDep, deps: Deps) -> Response:
    """Publish the CRL of an issuing CA brought in by a key rollover (generation 2, 3, ...)."""
    if generation < 2:
        raise NotFound("crl not found", "对象不存在", code="crl_not_found")
    return _crl(await certificates.crl_der(uow, ca=deps.pki.ca, generation=generation))


_OCSP = "application/ocsp-response"
_MAX_OCSP_REQUEST = 8192


@router.post(OCSP_PATH)
async def ocsp_post(request: Request, uow: UowDep, deps: Deps) -> Response:
    """Answer an OCSP request (RFC 6960, DER body) for any of the issuing CAs."""
    body = await request.body()
    if len(body) > _MAX_OCSP_REQUEST:
        body = b""  # answered as malformedRequest, like any other unreadable request
    answer = await certificates.ocsp_answer(uow, ca=deps.pki.ca, request_der=body)
    return Response(answer, media_type=_OCSP, headers={"cache-control": "no-store"})


@router.get(OCSP_PATH + "/{encoded:path}")
async def ocsp_get(encoded: str, uow: UowDep, deps: Deps) -> Response:
    """Answer an OCSP request sent by GET (RFC 6960 A.1: base64 of the DER, URL-encoded)."""
    try:
        body = base64.b64decode(unquote(encoded)[: _MAX_OCSP_REQUEST * 2], validate=True)
    except (ValueError, binascii.Error):
        body = b""
    answer = await certificates.ocsp_answer(uow, ca=deps.pki.ca, request_der=body)
    return Response(answer, media_type=_OCSP, headers={"cache-control": "public, max-age=60"})


@router.get(ROOT_CRL_PATH)
async def root_crl(deps: Deps) -> Response:
    """Publish the root's CRL (DER), which covers the issuing CA certificates."""
    return Response(
        deps.pki.ca.root_crl_der(),
        media_type="application/pkix-crl",
        # reissued daily (it lists no issuing CA)
        headers={"cache-control": "public, max-age=3600"},
    )


@router.post("/api/verify")
async def verify_upload(
    request: Request, file: UploadFile, uow: UowDep, deps: Deps, settings: SettingsDep
) -> dict[str, Any]:
    """Verify any uploaded PDF: every signature intact, trusted and unmodified since."""
    data = await file.read(settings.max_upload_bytes + 1)
    if len(data) > settings.max_upload_bytes:
        raise AppError(
            f"The file is larger than {settings.max_upload_bytes} bytes",
            "文件过大",
            code="payload_too_large",
            status_code=413,
        )
    report = await verification.verify_upload(uow, data=data, ca=deps.pki.ca)
    return verification.report_json(report)


LangCookie = Annotated[str | None, Cookie(alias="lexseal_lang")]


@router.get("/verify/{code}", response_class=HTMLResponse)
async def verify_page(
    code: str, uow: UowDep, deps: Deps, lexseal_lang: LangCookie = None
) -> HTMLResponse:
    """Show the verification result of the document a QR code names (Chinese unless chosen)."""
    lang = verify_render.language(lexseal_lang)
    try:
        verdict = await verification.verify_code(uow, code=code, ca=deps.pki.ca)
    except NotFound:
        return HTMLResponse(pages.not_found_page(lang), status_code=404)
    return HTMLResponse(pages.verify_page(verdict, lang=lang))


@router.post("/verify/upload", response_class=HTMLResponse)
async def verify_upload_page(
    file: UploadFile,
    uow: UowDep,
    deps: Deps,
    settings: SettingsDep,
    lexseal_lang: LangCookie = None,
) -> HTMLResponse:
    """Verify an uploaded PDF and show the result as the same page as a QR code's."""
    lang = verify_render.language(lexseal_lang)
    data = await file.read(settings.max_upload_bytes + 1)
    if len(data) > settings.max_upload_bytes:
        report = VerificationReport(False, Problem("payload_too_large", "file too large"))
    else:
        report = await verification.verify_upload(uow, data=data, ca=deps.pki.ca)
    page = pages.verify_upload_page(
        report,
        filename=file.filename or "document.pdf",
        sha256=hashlib.sha256(data).hexdigest(),
        lang=lang,
    )
    return HTMLResponse(page, status_code=413 if len(data) > settings.max_upload_bytes else 200)


@router.get("/sign/{token}", response_class=HTMLResponse)
async def sign_page(
    token: str, uow: UowDep, actor: SignerActor, lexseal_lang: LangCookie = None
) -> HTMLResponse:
    """Serve the signer's page (phone or desktop, no build step)."""
    try:
        s = await invitations.open_session(
            uow, token=token, actor=actor, action="open_page", allow_closed=True
        )
    except AppError as exc:
        lang = verify_render.language(lexseal_lang)
        return HTMLResponse(
            pages.message_page(exc.message(lang), lang=lang), status_code=exc.status_code
        )
    await uow.commit()
    return HTMLResponse(pages.sign_page(title=html.escape(s.envelope.title)))
