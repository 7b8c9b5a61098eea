"""Use case: a completed envelope's evidence package (signed PDF, signed audit trail, hashes)."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import zipfile

from servicekit.auth import Principal
from servicekit.uow import UnitOfWork

from ..adapters.audit_pdf import SIGNATURE_BOX, AuditLine, render_audit_pdf
from ..adapters.errors import AdapterError
from ..adapters.keyring import Keyring
from ..adapters.repository import SigningRepository
from ..config import Settings
from ..domain import errors, model
from .envelopes import verify_url, visible_envelope
from .signing import current_firm_signer, engine_error


async def evidence_zip(
    uow: UnitOfWork, *, user: Principal, settings: Settings, keyring: Keyring, envelope_id: str
) -> bytes:
    """Return the zip of a completed envelope's evidence, the audit trail signed by the platform."""
    envelope = await visible_envelope(uow, user=user, envelope_id=envelope_id)
    if envelope.status != model.COMPLETED:
        raise errors.conflict(
            "envelope_not_completed",
            "Evidence is available once every signature is in",
            "全部签章完成后方可下载证据包",
        )
    repo = SigningRepository(uow.session)
    signed = await repo.document(envelope.current_sha256)
    if signed is None:
        raise errors.not_found("document")
    signers = await repo.signers(envelope.id)
    header = [
        f"文件 Document: {envelope.title}  ({envelope.contract_id})",
        f"信封 Envelope: {envelope.id}",
        f"验签 Verify: {verify_url(settings, envelope.verify_code)}",
        f"原始文件 Original sha256: {envelope.original_sha256}",
        f"签署文件 Signed sha256: {envelope.current_sha256}",
    ] + [
        f"签章人 Signer {s.position + 1}: {s.name} [{s.kind}] {s.method or ''} {s.signed_at or ''}"
        for s in signers
    ]
    rows = await repo.audit_trail([envelope.id])
    lines = [
        AuditLine(
            at=r.at.isoformat(timespec="seconds"),
            actor=r.actor_name or r.actor_id,
            action=r.action,
            ip=r.ip or "-",
            detail=r.after or "",
        )
        for r in rows
    ]
    audit_pdf = await asyncio.to_thread(
        render_audit_pdf, title=f"Audit trail {envelope.id}", header=header, lines=lines
    )
    x1, y1, x2, y2 = SIGNATURE_BOX
    firm_signer = await current_firm_signer(uow, keyring)
    try:
        signed_audit = await keyring.engine.async_sign(
            audit_pdf,
            signer=firm_signer,
            field_name="platform",
            page=0,
            box=(x1, y1, x2, y2),
            seal_png=keyring.firm_seal_png,
            timestamper=keyring.timestamper,
            name=settings.firm_name,
            validation_context=keyring.ltv_context(firm_signer),
        )
    except AdapterError as exc:
        raise engine_error(exc) from exc
    files = {"signed.pdf": signed.data, "audit-trail.pdf": signed_audit}
    manifest = {
        "envelope_id": envelope.id,
        "contract_id": envelope.contract_id,
        "verify_code": envelope.verify_code,
        "files": {
            name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for name, data in files.items()
        },
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return buf.getvalue()
