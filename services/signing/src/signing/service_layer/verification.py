"""Use cases of verification (验签): a stored document by its code, or any uploaded PDF."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from servicekit.uow import UnitOfWork

from ..adapters.keyring import Keyring
from ..adapters.repository import SigningRepository
from ..adapters.tables import Envelope, EnvelopeSigner
from ..adapters.verify import SignatureReport, VerificationReport, verify_pdf
from ..domain import errors
from . import certificates


def signature_json(r: SignatureReport) -> dict[str, Any]:
    """Return one signature's verdict as the public API shows it."""
    return {
        "field": r.field_name,
        "signer": r.signer_name,
        "subject_id_masked": _mask(r.subject_id),
        "signing_time": r.signing_time,
        "timestamp_time": r.timestamp_time,
        "intact": r.intact,
        "valid": r.valid,
        "trusted": r.trusted,
        "modified_after": r.modified_after,
        "chain": list(r.chain),
        "certificate_serial": r.certificate_serial,
        "revocation": _revocation_json(r),
        "problem": {"code": r.problem.code, "message": r.problem.message} if r.problem else None,
    }


def _revocation_json(r: SignatureReport) -> dict[str, Any] | None:
    if r.revocation is None:
        return None
    return {
        "reason": r.revocation.reason,
        "revoked_at": r.revocation.revoked_at,
        "invalidity_date": r.revocation.invalidity_date,
        "before_signing": r.revoked_before_signing,
    }


def report_json(report: VerificationReport) -> dict[str, Any]:
    """Return a document's verdict as the public API shows it."""
    return {
        "valid": report.valid,
        "reason": {"code": report.reason.code, "message": report.reason.message}
        if report.reason
        else None,
        "signatures": [signature_json(s) for s in report.signatures],
    }


def _mask(value: str | None) -> str | None:
    if not value or len(value) < 8:
        return value
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


async def verify_upload(uow: UnitOfWork, *, data: bytes, keyring: Keyring) -> VerificationReport:
    """Verify any PDF against the platform's root and the CA's revocations."""
    await certificates.refresh_revocations(uow, keyring.ca)
    return await asyncio.to_thread(
        verify_pdf, data, keyring.trust_roots(), revocation_of=keyring.ca.revocation_of
    )


@dataclass(frozen=True)
class CodeVerdict:
    """What the public page shows for a verification code."""

    envelope: Envelope
    signers: list[EnvelopeSigner]
    report: VerificationReport


async def verify_code(uow: UnitOfWork, *, code: str, keyring: Keyring) -> CodeVerdict:
    """Verify the stored latest bytes of the document a QR code names."""
    repo = SigningRepository(uow.session)
    envelope = await repo.envelope_by_code(code)
    if envelope is None:
        raise errors.not_found("document")
    doc = await repo.document(envelope.current_sha256)
    if doc is None:
        raise errors.not_found("document")
    await certificates.refresh_revocations(uow, keyring.ca)
    report = await asyncio.to_thread(
        verify_pdf, doc.data, keyring.trust_roots(), revocation_of=keyring.ca.revocation_of
    )
    return CodeVerdict(envelope=envelope, signers=await repo.signers(envelope.id), report=report)
