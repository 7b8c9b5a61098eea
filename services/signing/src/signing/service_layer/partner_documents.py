"""Use cases: a partner system with `documents:read` fetches a completed envelope's files.

The routes are public (through the gateway, under /api/signing/partner) and named in the
`signing.completed` event's `document.public_url` and `evidence_url`; every download is
written to the audit log with the key that made it.
"""

from __future__ import annotations

from pades.pdf import PdfSigningEngine
from servicekit.auth import Principal
from servicekit.uow import UnitOfWork

from ..adapters.firm import Firm
from ..adapters.pki import Pki
from ..adapters.repository import SigningRepository
from ..adapters.tables import Envelope
from ..config import Settings
from ..domain import errors, model
from .evidence import audit_download, download_evidence


async def _completed(uow: UnitOfWork, envelope_id: str) -> Envelope:
    envelope = await uow.repo(SigningRepository).envelope(envelope_id)
    if envelope is None:
        raise errors.EnvelopeNotFound()
    if envelope.status != model.COMPLETED:
        raise errors.EnvelopeNotCompleted(
            "The signed document is available once every signature is in",
            "全部签章完成后方可下载已签署文件",
        )
    return envelope


async def signed_pdf(uow: UnitOfWork, *, user: Principal, envelope_id: str) -> bytes:
    """Return a completed envelope's signed PDF and audit the download."""
    envelope = await _completed(uow, envelope_id)
    doc = await uow.repo(SigningRepository).document(envelope.current_sha256)
    if doc is None:
        raise errors.DocumentNotFound()
    audit_download(
        uow, user=user, envelope=envelope, what="signed.pdf", sha=envelope.current_sha256
    )
    await uow.commit()
    return doc.data


async def evidence_package(
    uow: UnitOfWork,
    *,
    user: Principal,
    settings: Settings,
    pki: Pki,
    engine: PdfSigningEngine,
    firm: Firm,
    envelope_id: str,
) -> bytes:
    """Return a completed envelope's evidence package and audit the download."""
    envelope = await _completed(uow, envelope_id)
    data = await download_evidence(
        uow, user=user, settings=settings, pki=pki, engine=engine, firm=firm, envelope=envelope
    )
    await uow.commit()
    return data
