"""Use case: a completed envelope's evidence package (出证).

evidence.zip holds the signed PDF, the audit trail signed by the platform, evidence.json (per
signature: signer, certificate serial and issuer, signing time, timestamp, revocation status at
signing, intent confirmation; every revision's hash), the CA root, and manifest.json with
every file's hash. The audit trail names the hashes of the signed PDF, evidence.json and the
root, so `lexseal evidence verify` can check the package on its own.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import zipfile
from collections.abc import Iterable
from typing import Any

from pades.evidence_facts import document_timestamps, revisions, signature_facts
from pades.pdf import PdfSigningEngine
from pades.verify import verify_pdf
from servicekit.auth import Principal
from servicekit.domain import AuditFact
from servicekit.tables import AuditEntry
from servicekit.uow import UnitOfWork

from ..adapters.audit_pdf import SIGNATURE_BOX, AuditLine, render_audit_pdf
from ..adapters.errors import AdapterError
from ..adapters.firm import Firm
from ..adapters.pki import Pki
from ..adapters.repository import SigningRepository
from ..adapters.tables import Envelope, EnvelopeSigner
from ..config import Settings
from ..domain import errors, model
from . import certificates
from .envelopes import verify_url, visible_envelope
from .signing import current_firm_signer, engine_error


async def evidence_zip(
    uow: UnitOfWork,
    *,
    user: Principal,
    settings: Settings,
    pki: Pki,
    engine: PdfSigningEngine,
    firm: Firm,
    envelope_id: str,
) -> bytes:
    """Return the zip of a completed envelope's evidence, the audit trail signed by the platform."""
    envelope = await visible_envelope(uow, user=user, envelope_id=envelope_id)
    data = await download_evidence(
        uow, user=user, settings=settings, pki=pki, engine=engine, firm=firm, envelope=envelope
    )
    await uow.commit()
    return data


def audit_download(
    uow: UnitOfWork, *, user: Principal, envelope: Envelope, what: str, sha: str
) -> None:
    """Record a download of a completed envelope's file (staff or partner) in the audit log."""
    # keyed by the file's hash, not the envelope: the evidence package's audit trail lists the
    # envelope's own rows, and a download must not change what a later package proves
    uow.record(
        AuditFact(
            actor=user.actor,
            action="document.downloaded",
            object_type="document",
            object_id=sha,
            after={"file": what, "envelope_id": envelope.id, "contract_id": envelope.contract_id},
        )
    )


async def download_evidence(
    uow: UnitOfWork,
    *,
    user: Principal,
    settings: Settings,
    pki: Pki,
    engine: PdfSigningEngine,
    firm: Firm,
    envelope: Envelope,
) -> bytes:
    """Return the evidence zip of `envelope`, which `user` was already allowed to read, and
    record the download (the caller commits)."""
    if envelope.status != model.COMPLETED:
        raise errors.EnvelopeNotCompleted()
    repo = uow.repo(SigningRepository)
    signed = await repo.document(envelope.current_sha256)
    if signed is None:
        raise errors.DocumentNotFound()
    signers = await repo.signers(envelope.id)
    rows = await repo.audit_trail([envelope.id])
    facts = await _facts(uow, pki=pki, envelope=envelope, pdf=signed.data, rows=rows)
    facts_json = json.dumps(facts, ensure_ascii=False, indent=2).encode()
    root_pem = pki.ca.root_pem()
    header = [
        f"文件 Document: {envelope.title}  ({envelope.contract_id})",
        f"信封 Envelope: {envelope.id}",
        f"验签 Verify: {verify_url(settings, envelope.verify_code)}",
        f"原始文件 Original sha256: {envelope.original_sha256}",
        f"签署文件 Signed sha256: {envelope.current_sha256}",
        # what `lexseal evidence verify` finds here, under the platform's signature
        f"证据清单 Evidence sha256: {hashlib.sha256(facts_json).hexdigest()}",
        f"根证书 Root CA sha256: {hashlib.sha256(root_pem).hexdigest()}",
    ] + [
        f"签章人 Signer {s.position + 1}: {s.name} [{s.kind}] {s.method or ''} {s.signed_at or ''}"
        for s in signers
    ]
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
    firm_signer = await current_firm_signer(uow, ca=pki.ca, firm=firm)
    try:
        signed_audit = await engine.async_sign(
            audit_pdf,
            signer=firm_signer,
            field_name="platform",
            page=0,
            box=(x1, y1, x2, y2),
            seal_png=firm.seal_png,
            timestamper=pki.timestamper,
            name=settings.firm_name,
            validation_context=pki.ltv_context(firm_signer),
        )
    except AdapterError as exc:
        raise engine_error(exc) from exc
    files = {
        "signed.pdf": signed.data,
        "audit-trail.pdf": signed_audit,
        "evidence.json": facts_json,
        "root.pem": root_pem,
    }
    manifest = {
        "format": "lexseal-evidence/2",
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
    data = buf.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    audit_download(uow, user=user, envelope=envelope, what="evidence.zip", sha=sha)
    return data


async def _facts(
    uow: UnitOfWork,
    *,
    pki: Pki,
    envelope: Envelope,
    pdf: bytes,
    rows: list[AuditEntry],
) -> dict[str, Any]:
    """Return what the package states: each signature, each revision's hash, the timestamps."""
    await certificates.refresh_revocations(uow, pki.ca)
    report = await asyncio.to_thread(
        verify_pdf, pdf, [pki.ca.root_pem()], revocation_of=pki.ca.revocation_of
    )
    revs = await asyncio.to_thread(revisions, pdf)
    signatures = await asyncio.to_thread(signature_facts, pdf, report.signatures, revs)
    signers = {row.signer_id: row for row in await uow.repo(SigningRepository).signers(envelope.id)}
    for entry in signatures:
        signer = _signer_of(entry["field"], signers.values())
        entry["signer_id"] = signer.signer_id if signer else None
        entry["intent_confirmation"] = _intent(rows, signer.signer_id) if signer else None
    return {
        "envelope_id": envelope.id,
        "contract_id": envelope.contract_id,
        "title": envelope.title,
        "original_sha256": envelope.original_sha256,
        "signed_sha256": envelope.current_sha256,
        "valid": report.valid,
        "signatures": signatures,
        "document_timestamps": await asyncio.to_thread(document_timestamps, pdf),
        "revisions": [
            {"number": r.number, "size": r.size, "sha256": r.sha256, "sealed_by": r.sealed_by}
            for r in revs
        ],
    }


def _signer_of(field: str, signers: Iterable[EnvelopeSigner]) -> EnvelopeSigner | None:
    for s in signers:
        if (s.kind == model.FIRM and field == "firm") or field == f"sig_{s.position + 1}":
            return s
    return None


def _intent(rows: list[AuditEntry], signer_id: str) -> dict[str, Any] | None:
    """Return a signer's confirmation of intent (e.g. an SMS code) from the audit trail, if any."""
    for row in reversed(rows):
        # the confirmation itself, not a code sent, a wrong entry or a page's request
        if row.action != "intent_confirmed":
            continue
        try:
            after = json.loads(row.after or "{}")
        except ValueError:
            continue
        if isinstance(after, dict) and after.get("signer_id") == signer_id:
            return {"action": row.action, "at": row.at.isoformat(), "detail": after}
    return None
