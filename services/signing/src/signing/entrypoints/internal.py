"""Internal routes for sibling services (HMAC-guarded): claim-check downloads."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from servicekit.app import UowDep
from servicekit.internal import require_internal

from ..adapters.repository import SigningRepository
from ..domain import errors

router = APIRouter(
    prefix="/internal/signing", include_in_schema=False, dependencies=[Depends(require_internal)]
)


@router.get("/documents/{sha256}")
async def document(sha256: str, uow: UowDep) -> Response:
    """Return stored document bytes by their sha256."""
    doc = await uow.repo(SigningRepository).document(sha256)
    if doc is None:
        raise errors.DocumentNotFound()
    return Response(doc.data, media_type="application/pdf")
