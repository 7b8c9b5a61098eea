"""Routes only sibling services may call (claim-check downloads)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Response
from servicekit.app import UowDep
from servicekit.internal import require_internal

from ..service_layer import documents

router = APIRouter(
    prefix="/internal/letters", tags=["internal"], dependencies=[Depends(require_internal)]
)


@router.get("/documents/{sha256}")
async def internal_document(uow: UowDep, sha256: str = Path(pattern=r"^[0-9a-f]{64}$")) -> Response:
    """Hand a stored letter PDF to a sibling service."""
    pdf = await documents.internal_document(uow, sha256=sha256)
    return Response(pdf, media_type="application/pdf")
