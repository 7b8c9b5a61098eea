"""Thin HTTP routes for the contract document: upload, downloads, previews, claim check."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse
from servicekit.app import UowDep
from servicekit.idempotency import Idempotent, IdempotentRequest
from servicekit.internal import require_internal

from ..adapters.document_store import Spool, TooLarge
from ..adapters.multipart import receive_file
from ..service_layer import documents
from ..service_layer.documents import UploadLimits
from .api import detail_view
from .deps import Deps, Lawyer, Reader
from .schemas import ContractDetailPublic

router = APIRouter(prefix="/api/contract", tags=["contract"])
internal_router = APIRouter(prefix="/internal/contract", include_in_schema=False)
# room for the multipart boundaries and part headers around the file itself
MULTIPART_OVERHEAD = 64 * 1024


async def _upload(
    contract_id: str,
    request: Request,
    uow: UowDep,
    user: Lawyer,
    deps: Deps,
    once: IdempotentRequest,
) -> ContractDetailPublic | Response:
    settings = deps.settings
    limits = UploadLimits(
        max_bytes=settings.max_upload_bytes,
        max_pages=settings.max_pages,
        timeout_s=settings.pdf_timeout_s,
    )

    async def receive(spool: Spool) -> str | None:
        # Refuse a declared oversize body before reading it; the stream cap catches the rest.
        declared = request.headers.get("content-length", "")
        # ASCII digits only, and few of them: int() of thousands of digits raises ValueError
        if declared.isascii() and declared.isdigit():
            size = int(declared) if len(declared) <= 18 else 10**18
            if size > limits.max_bytes + MULTIPART_OVERHEAD:
                raise TooLarge(size)
        filename = await receive_file(
            content_type=request.headers.get("content-type", ""),
            body=request.stream(),
            field_name="file",
            spool=spool,
            max_bytes=limits.max_bytes,
        )
        # With an Idempotency-Key: the same file under the same name is the same request. Not
        # claimed here: the upload takes no database connection until its bytes are stored.
        once.identify(once.fingerprint(spool.sha256, filename or ""))
        return filename

    async def act() -> ContractDetailPublic:
        await documents.upload_document(
            uow,
            user=user,
            contract_id=contract_id,
            store=deps.store,
            receive=receive,
            limits=limits,
        )
        return await detail_view(uow, user, contract_id)

    return await once.run(uow, act, claim_first=False)


@router.put("/contracts/{contract_id}/document", response_model=ContractDetailPublic)
async def put_document(
    contract_id: str,
    request: Request,
    uow: UowDep,
    user: Lawyer,
    deps: Deps,
    once: Idempotent,
) -> ContractDetailPublic | Response:
    """Upload (or replace) the contract PDF as multipart field `file`."""
    return await _upload(contract_id, request, uow, user, deps, once)


@router.post("/contracts/{contract_id}/document", response_model=ContractDetailPublic)
async def post_document(
    contract_id: str,
    request: Request,
    uow: UowDep,
    user: Lawyer,
    deps: Deps,
    once: Idempotent,
) -> ContractDetailPublic | Response:
    """Upload (or replace) the contract PDF as multipart field `file`."""
    return await _upload(contract_id, request, uow, user, deps, once)


@router.get("/contracts/{contract_id}/document", response_class=FileResponse)
async def get_document(contract_id: str, uow: UowDep, user: Reader, deps: Deps) -> FileResponse:
    """Download the original contract PDF."""
    path, name = await documents.document_path(
        uow, user=user, contract_id=contract_id, store=deps.store, signed=False
    )
    return FileResponse(path, media_type="application/pdf", filename=name)


@router.get("/contracts/{contract_id}/signed-document", response_class=FileResponse)
async def get_signed_document(
    contract_id: str, uow: UowDep, user: Reader, deps: Deps
) -> FileResponse:
    """Download the signed contract PDF once signing is complete."""
    path, name = await documents.document_path(
        uow, user=user, contract_id=contract_id, store=deps.store, signed=True
    )
    return FileResponse(path, media_type="application/pdf", filename=name)


@router.get("/contracts/{contract_id}/pages/{page}.png")
async def get_page_preview(
    contract_id: str, page: int, uow: UowDep, user: Reader, deps: Deps
) -> Response:
    """Return a PNG preview of one page of the contract document."""
    png = await documents.page_preview(
        uow,
        user=user,
        contract_id=contract_id,
        page=page,
        store=deps.store,
        dpi=deps.settings.preview_dpi,
    )
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})


@internal_router.get("/documents/{sha256}", dependencies=[Depends(require_internal)])
async def internal_document(sha256: str, deps: Deps) -> FileResponse:
    """Serve a stored document to a sibling service (claim check)."""
    path = await documents.internal_document(deps.store, sha256)
    return FileResponse(path, media_type="application/pdf")
