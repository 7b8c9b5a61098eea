"""Public routes: verification (验签), the root certificate, the signer and verify pages."""

from __future__ import annotations

import html
from typing import Any

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from servicekit.app import UowDep
from servicekit.errors import AppError, NotFound

from ..adapters.pki import CRL_PATH, ROOT_CRL_PATH
from ..service_layer import invitations, verification
from . import pages
from .deps import KeyringDep, SettingsDep, SignerActor

router = APIRouter(tags=["verify"])


@router.get("/api/verify/ca.pem")
async def ca_pem(keyring: KeyringDep) -> Response:
    """Publish the platform's root certificate (the trust anchor of every lexseal signature)."""
    return Response(
        keyring.ca.root_pem(),
        media_type="application/x-pem-file",
        headers={"content-disposition": 'attachment; filename="lexseal-root-ca.pem"'},
    )


@router.get(CRL_PATH)
async def issuing_crl(keyring: KeyringDep) -> Response:
    """Publish the issuing CA's CRL (DER), the distribution point its certificates name."""
    return Response(
        keyring.ca.crl_der(),
        media_type="application/pkix-crl",
        # the CRL is reissued daily; a cache may keep it for an hour
        headers={"cache-control": "public, max-age=3600"},
    )


@router.get(ROOT_CRL_PATH)
async def root_crl(keyring: KeyringDep) -> Response:
    """Publish the root's CRL (DER), which covers the issuing CA certificate."""
    return Response(
        keyring.ca.root_crl_der(),
        media_type="application/pkix-crl",
        # reissued daily, like the issuing CA's CRL
        headers={"cache-control": "public, max-age=3600"},
    )


@router.post("/api/verify")
async def verify_upload(
    request: Request, file: UploadFile, keyring: KeyringDep, settings: SettingsDep
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
    report = await verification.verify_upload(data=data, keyring=keyring)
    return verification.report_json(report)


@router.get("/verify/{code}", response_class=HTMLResponse)
async def verify_page(code: str, uow: UowDep, keyring: KeyringDep) -> HTMLResponse:
    """Show the verification result of the document a QR code names (Chinese, English subtitles)."""
    try:
        verdict = await verification.verify_code(uow, code=code, keyring=keyring)
    except NotFound:
        return HTMLResponse(pages.not_found_page(), status_code=404)
    return HTMLResponse(pages.verify_page(verdict))


@router.get("/sign/{token}", response_class=HTMLResponse)
async def sign_page(token: str, uow: UowDep, actor: SignerActor) -> HTMLResponse:
    """Serve the signer's page (phone or desktop, no build step)."""
    try:
        s = await invitations.open_session(
            uow, token=token, actor=actor, action="open_page", allow_closed=True
        )
    except AppError as exc:
        return HTMLResponse(
            pages.message_page(exc.message("zh"), exc.message("en")), status_code=exc.status_code
        )
    await uow.commit()
    return HTMLResponse(pages.sign_page(title=html.escape(s.envelope.title)))
