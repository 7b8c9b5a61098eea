"""Use cases for the contract document: checked upload, downloads and page previews."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from servicekit.auth import Principal
from servicekit.db import utcnow
from servicekit.domain import DomainError, Unavailable
from servicekit.uow import UnitOfWork

from ..adapters.document_store import DocumentStore, Spool, TooLarge
from ..adapters.multipart import UploadMalformed
from ..adapters.pdf_inspect import PdfInspectionUnavailable, PdfRejected, inspect_pdf
from ..adapters.previews import PreviewFailed, render_previews
from ..adapters.repository import ContractRepository
from ..adapters.tables import Contract, Document
from ..domain.errors import (
    DocumentNotFound,
    PageNotFound,
    SignedDocumentMissing,
    UploadInvalid,
    UploadTooLarge,
)
from ..domain.status import Action
from .access import load_owned, load_visible, require

Receiver = Callable[[Spool], Awaitable[str | None]]


@dataclass(frozen=True)
class UploadLimits:
    """How big and how long an acceptable contract PDF may be."""

    max_bytes: int
    max_pages: int
    timeout_s: float


def _rejection(exc: PdfRejected) -> DomainError:
    return DomainError(
        exc.message_en,
        exc.message_zh,
        code=exc.code,
        status_code=exc.status_code,
        details=exc.details,
    )


def _filename(raw: str | None) -> str:
    # Browsers may send a full client path; keep only the last component.
    name = PureWindowsPath(PurePosixPath(raw or "").name).name.strip()
    return (name or "document.pdf")[:255]


async def upload_document(
    uow: UnitOfWork,
    *,
    user: Principal,
    contract_id: str,
    store: DocumentStore,
    receive: Receiver,
    limits: UploadLimits,
) -> tuple[Contract, Document]:
    """Receive, check and store the contract PDF; no record is kept when any step fails."""
    repo = uow.repo(ContractRepository)
    contract = await load_owned(repo, contract_id=contract_id, user=user)
    require(Action.EDIT, contract)
    await uow.rollback()  # hold no lock or connection while the body streams in
    spool = store.spool()
    try:
        try:
            filename = await receive(spool)
        except TooLarge as exc:
            raise UploadTooLarge(details={"max_bytes": limits.max_bytes}) from exc
        except UploadMalformed as exc:
            raise UploadInvalid(details={"reason": str(exc)}) from exc
        data = spool.read()
        try:
            inspection = await asyncio.to_thread(
                inspect_pdf,
                data,
                max_bytes=limits.max_bytes,
                max_pages=limits.max_pages,
                timeout_s=limits.timeout_s,
            )
        except PdfRejected as exc:
            raise _rejection(exc) from exc
        except PdfInspectionUnavailable as exc:
            # the service is stopping (or its worker was killed): the upload may be retried
            raise Unavailable(code="service_unavailable") from exc
        # Where every replica finds it; before the session takes a connection again, so a
        # request never holds one connection while it waits for another.
        await store.keep(inspection.sha256, data)
        contract = await load_owned(repo, contract_id=contract_id, user=user)
        require(Action.EDIT, contract)
        # Bytes first, then the rows that refer to them: a committed row always has its file.
        await asyncio.to_thread(spool.commit, store.path(inspection.sha256))
        # The same bytes may be arriving for other contracts at this very moment: one row.
        document = await repo.keep_document(
            Document(
                sha256=inspection.sha256,
                size=inspection.size,
                page_count=inspection.page_count,
                scan_suspect_pages=list(inspection.scan_suspect_pages),
            )
        )
        before = contract.audit_snapshot()
        contract.document_sha256 = inspection.sha256
        contract.document_filename = _filename(filename)
        contract.updated_at = utcnow()
        contract.record_audit(
            actor=user.actor,
            action="contract.document_upload",
            before=before,
            after={
                **contract.audit_snapshot(),
                "filename": contract.document_filename,
                "page_count": document.page_count,
                "size": document.size,
                "scan_suspect_pages": document.scan_suspect_pages,
            },
        )
        # Nothing is removed if this fails: the stored bytes may be another contract's too.
        await uow.commit()
        return contract, document
    finally:
        spool.discard()


async def document_path(
    uow: UnitOfWork, *, user: Principal, contract_id: str, store: DocumentStore, signed: bool
) -> tuple[Path, str]:
    """Return the stored original (or signed) PDF of a visible application and its file name."""
    contract = await load_visible(uow.repo(ContractRepository), contract_id=contract_id, user=user)
    if signed:
        if contract.signed_sha256 is None:
            raise SignedDocumentMissing()
        sha256, name = (
            contract.signed_sha256,
            f"signed-{contract.document_filename or 'contract.pdf'}",
        )
    else:
        if contract.document_sha256 is None:
            raise DocumentNotFound()
        sha256, name = contract.document_sha256, contract.document_filename or "contract.pdf"
    path = await store.local(sha256)
    if path is None:
        raise DocumentNotFound()
    if signed:
        # every download of a signed contract is on the record, whoever makes it
        contract.record_audit(
            actor=user.actor,
            action="document.downloaded",
            after={"file": "signed.pdf", "sha256": sha256},
        )
        await uow.commit()
    return path, name


async def page_preview(
    uow: UnitOfWork, *, user: Principal, contract_id: str, page: int, store: DocumentStore, dpi: int
) -> bytes:
    """Return a PNG preview of one page of a visible application's document."""
    repo = uow.repo(ContractRepository)
    contract = await load_visible(repo, contract_id=contract_id, user=user)
    document = await repo.document(contract.document_sha256) if contract.document_sha256 else None
    if document is None:
        raise DocumentNotFound()
    if not 1 <= page <= document.page_count:
        raise PageNotFound(details={"page_count": document.page_count})
    cached = store.preview_path(document.sha256, page)
    if cached.is_file():
        return cached.read_bytes()
    data = await store.read(document.sha256)
    if data is None:
        raise DocumentNotFound()
    try:
        [png] = await asyncio.to_thread(render_previews, data, pages=[page], dpi=dpi)
    except PreviewFailed as exc:
        raise DomainError(
            exc.message,
            "页面预览生成失败",
            code=exc.code,
            status_code=exc.status_code,
            details=exc.details,
        ) from exc
    store.put_preview(document.sha256, page, png)
    return png


async def internal_document(store: DocumentStore, sha256: str) -> Path:
    """Return a stored document by hash for a sibling service (claim check)."""
    try:
        path = await store.local(sha256)
    except ValueError as exc:
        raise DocumentNotFound() from exc
    if path is None:
        raise DocumentNotFound()
    return path
