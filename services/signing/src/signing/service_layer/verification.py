"""Use cases of verification (验签): a stored document by its code, or any uploaded PDF."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lexseal_ca.pki import CertificateAuthority, RevocationTable
from pades.verify import Problem, SignatureReport, TrustRoot, VerificationReport, verify_pdf
from servicekit.errors import Unavailable
from servicekit.pdflimits import (
    LIMIT_CODES,
    PdfLimitExceeded,
    PdfWorkerFailed,
    PdfWorkerLost,
    preload,
    run_limited,
)
from servicekit.uow import UnitOfWork

from ..adapters.repository import SigningRepository
from ..adapters.tables import Envelope, EnvelopeSigner
from ..domain import errors
from . import certificates

log = logging.getLogger("signing.verification")
preload(__name__)  # the bounded children that verify start with pyHanko imported

_LIMIT_MESSAGES = {
    "pdf_timeout": "the PDF is too complex to verify in the time allowed",
    "pdf_too_complex": "the PDF needs more memory or nesting than allowed to read",
    "pdf_page_too_large": "a page of the PDF is larger than allowed",
}


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


def _verify_in_child(
    data: bytes, roots: Sequence[TrustRoot], revocations: RevocationTable
) -> VerificationReport:
    return verify_pdf(data, roots, revocation_of=revocations)


async def verify_bounded(data: bytes, *, ca: CertificateAuthority) -> VerificationReport:
    """Verify `data` in a child under the shared PDF limits (servicekit.pdflimits).

    A file that runs into a limit is reported invalid with a stable code; a child ended by a
    shutdown twice in a row is not the file's fault (503, retry).
    """
    revocations = ca.revocation_table()
    try:
        return await asyncio.to_thread(
            run_limited, _verify_in_child, data, [ca.root_pem()], revocations
        )
    except PdfWorkerLost as exc:
        log.warning("verification worker lost twice (exit %s): answering 503", exc.exitcode)
        raise Unavailable(code="service_unavailable") from None
    except PdfWorkerFailed as exc:
        log.info("verification of a %d-byte PDF failed: %s (%s)", len(data), exc.reason, exc.error)
        return VerificationReport(False, Problem("not_a_pdf", "not a readable PDF"))
    except PdfLimitExceeded as exc:
        code = LIMIT_CODES.get(exc.reason, "pdf_too_complex")
        log.info("verification of a %d-byte PDF refused: %s", len(data), exc.reason)
        return VerificationReport(False, Problem(code, _LIMIT_MESSAGES[code]))


async def verify_upload(
    uow: UnitOfWork, *, data: bytes, ca: CertificateAuthority
) -> VerificationReport:
    """Verify any PDF against the platform's root and the CA's revocations."""
    await certificates.refresh_revocations(uow, ca)
    return await verify_bounded(data, ca=ca)


@dataclass(frozen=True)
class CodeVerdict:
    """What the public page shows for a verification code."""

    envelope: Envelope
    signers: list[EnvelopeSigner]
    report: VerificationReport


async def verify_code(uow: UnitOfWork, *, code: str, ca: CertificateAuthority) -> CodeVerdict:
    """Verify the stored latest bytes of the document a QR code names."""
    repo = uow.repo(SigningRepository)
    envelope = await repo.envelope_by_code(code)
    if envelope is None:
        raise errors.DocumentNotFound()
    doc = await repo.document(envelope.current_sha256)
    if doc is None:
        raise errors.DocumentNotFound()
    await certificates.refresh_revocations(uow, ca)
    report = await verify_bounded(doc.data, ca=ca)
    return CodeVerdict(envelope=envelope, signers=await repo.signers(envelope.id), report=report)
