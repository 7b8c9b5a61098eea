"""Routes for partner systems (API key with `documents:read`): sealed letters."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from servicekit.app import UowDep
from servicekit.auth import DOCUMENTS_READ, Principal, require_scope

from ..service_layer import partner_documents

router = APIRouter(prefix=partner_documents.PARTNER_PREFIX, tags=["partner"])
DocumentsReader = Depends(require_scope(DOCUMENTS_READ))


@router.get("/{letter_id}/sealed.pdf")
async def sealed_letter(letter_id: str, uow: UowDep, user: Principal = DocumentsReader) -> Response:
    """Return a sealed letter's PDF (audited)."""
    pdf = await partner_documents.sealed_letter(uow, user=user, letter_id=letter_id)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="letter-{letter_id}.pdf"'},
    )
