"""Routes for partner systems (API key with `documents:read`): a completed envelope's files."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from servicekit.app import UowDep
from servicekit.auth import DOCUMENTS_READ, Principal, require_scope

from ..service_layer import partner_documents
from ..service_layer.envelopes import PARTNER_PREFIX
from .deps import Deps

router = APIRouter(prefix=PARTNER_PREFIX, tags=["partner"])
DocumentsReader = Depends(require_scope(DOCUMENTS_READ))


@router.get("/{envelope_id}/signed.pdf")
async def signed_pdf(envelope_id: str, uow: UowDep, user: Principal = DocumentsReader) -> Response:
    """Return a completed envelope's signed PDF (audited)."""
    data = await partner_documents.signed_pdf(uow, user=user, envelope_id=envelope_id)
    return Response(
        data,
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="signed-{envelope_id}.pdf"'},
    )


@router.get("/{envelope_id}/evidence.zip")
async def evidence_zip(
    envelope_id: str,
    uow: UowDep,
    deps: Deps,
    user: Principal = DocumentsReader,
) -> Response:
    """Return a completed envelope's evidence package (audited)."""
    data = await partner_documents.evidence_package(
        uow,
        user=user,
        settings=deps.settings,
        pki=deps.pki,
        engine=deps.engine,
        firm=deps.firm,
        envelope_id=envelope_id,
    )
    return Response(
        data,
        media_type="application/zip",
        headers={"content-disposition": f'attachment; filename="evidence-{envelope_id}.zip"'},
    )
