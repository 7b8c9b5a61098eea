"""Verification of signed PDFs with pyHanko, including incremental-update analysis."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol, TypeAlias

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.pdf_utils.crypt import AuthStatus, StandardSecurityHandler
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import (
    EmbeddedPdfSignature,
    PdfSignatureStatus,
    SignatureCoverageLevel,
    validate_pdf_signature,
)
from pyhanko_certvalidator import ValidationContext

from .credentials import ORG_ID_PREFIX
from .ltv import to_crypto
from .signer import to_asn1

log = logging.getLogger("signing.verify")

TrustRoot: TypeAlias = bytes | x509.Certificate | asn1_x509.Certificate


# Tells whether the internal CA revoked a certificate (and when, why), from its register.
class Revocation(Protocol):
    """A revoked certificate, as the CA that issued it lists it (the CA is not the engine's)."""

    @property
    def reason(self) -> str: ...

    @property
    def revoked_at(self) -> datetime: ...

    @property
    def invalidity_date(self) -> datetime | None: ...

    @property
    def effective_from(self) -> datetime:
        """From when signatures by this certificate are no longer trusted."""
        ...


RevocationLookup: TypeAlias = Callable[[x509.Certificate], Revocation | None]

# Our pipeline only ever appends signatures after a signature (form filling), and at most
# LTV data / document timestamps after the last one; anything more is tampering.
_MAX_BETWEEN = ModificationLevel.FORM_FILLING
_MAX_AFTER_LAST = ModificationLevel.LTA_UPDATES


@dataclass(frozen=True)
class Problem:
    """Why a document or signature is not valid: a stable code and a message."""

    code: str
    message: str


@dataclass(frozen=True)
class SignatureReport:
    """What one signature says and whether it holds."""

    field_name: str
    intact: bool = False
    valid: bool = False
    trusted: bool = False
    modified_after: bool = True
    signer_name: str | None = None
    certificate_serial: str | None = None
    subject_id: str | None = None
    signing_time: datetime | None = None
    timestamp_time: datetime | None = None
    coverage: str | None = None
    modification_level: str | None = None
    chain: tuple[str, ...] = ()
    issuer: str | None = None
    # set when the CA revoked the certificate: before or after the signature's proven time
    revocation: Revocation | None = None
    revoked_before_signing: bool | None = None
    problem: Problem | None = None


@dataclass(frozen=True)
class VerificationReport:
    """The verdict on a whole document."""

    valid: bool
    reason: Problem | None
    signatures: tuple[SignatureReport, ...] = field(default=())


def _load_roots(trust_roots: Iterable[TrustRoot]) -> list[asn1_x509.Certificate]:
    roots: list[asn1_x509.Certificate] = []
    for root in trust_roots:
        if isinstance(root, asn1_x509.Certificate):
            roots.append(root)
        elif isinstance(root, x509.Certificate):
            roots.append(to_asn1(root))
        else:
            for _, _, der in pem.unarmor(root, multiple=True):
                roots.append(asn1_x509.Certificate.load(der))
    return roots


def _subject_facts(cert: asn1_x509.Certificate) -> tuple[str | None, str | None]:
    subject: dict[str, Any] = cert.subject.native
    name = subject.get("common_name") or subject.get("organization_name")
    org_id = subject.get("organization_identifier")
    if isinstance(org_id, str) and org_id.startswith(ORG_ID_PREFIX):
        return name, org_id[len(ORG_ID_PREFIX) :]
    return name, subject.get("serial_number") or org_id


def _problem(status: PdfSignatureStatus) -> Problem | None:
    if not status.intact:
        return Problem("digest_mismatch", "the signed bytes were changed after signing")
    if not status.valid:
        return Problem("signature_invalid", "the cryptographic signature does not verify")
    if not status.trusted:
        return Problem("untrusted", "the signer's certificate does not chain to a trusted root")
    ts = status.timestamp_validity
    if ts is not None and not (ts.intact and ts.valid and ts.trusted):
        return Problem("timestamp_invalid", "the signature timestamp does not verify")
    return None


def _revocation_problem(
    revocation: Revocation, proven_at: datetime | None
) -> tuple[bool, Problem | None]:
    # Without a trusted timestamp nothing proves the signature predates the revocation.
    before = proven_at is None or revocation.effective_from <= proven_at
    if not before:
        return False, None
    return True, Problem(
        "certificate_revoked",
        f"the signer's certificate was revoked ({revocation.reason}) "
        f"from {revocation.effective_from.isoformat()}, before this signature was made",
    )


def _report(
    sig: EmbeddedPdfSignature,
    status: PdfSignatureStatus,
    *,
    is_last: bool,
    revocation_of: RevocationLookup | None = None,
) -> SignatureReport:
    level = status.modification_level
    limit = _MAX_AFTER_LAST if is_last else _MAX_BETWEEN
    modified = status.coverage != SignatureCoverageLevel.ENTIRE_FILE and (
        not status.docmdp_ok or level is None or level.value > limit.value
    )
    problem = _problem(status)
    if problem is None and modified:
        problem = Problem("modified_after_signing", "the document was changed after this signature")
    cert = status.signing_cert
    name, subject_id = _subject_facts(cert)
    path = status.validation_path
    chain_certs = list(path.iter_certs(include_root=True)) if path is not None else [cert]
    ts = status.timestamp_validity
    proven_at = ts.timestamp if ts is not None and ts.valid and ts.intact and ts.trusted else None
    revocation = revocation_of(to_crypto(cert)) if revocation_of is not None else None
    before: bool | None = None
    if revocation is not None:
        before, revoked = _revocation_problem(revocation, proven_at)
        if problem is None or problem.code == "untrusted":
            problem = revoked or problem
    return SignatureReport(
        # a plain str: pyHanko's TextStringObject drags the whole parsed PDF into a pickle
        field_name=str(sig.field_name),
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted,
        modified_after=modified,
        signer_name=name,
        certificate_serial=format(cert.serial_number, "x"),
        subject_id=subject_id,
        signing_time=status.signer_reported_dt,
        timestamp_time=ts.timestamp if ts is not None else None,
        coverage=status.coverage.name if status.coverage is not None else None,
        modification_level=level.name if level is not None else None,
        chain=tuple(c.subject.human_friendly for c in reversed(chain_certs)),
        issuer=cert.issuer.human_friendly,
        revocation=revocation,
        revoked_before_signing=before,
        problem=problem,
    )


def _verify_one(
    sig: EmbeddedPdfSignature,
    roots: list[asn1_x509.Certificate],
    is_last: bool,
    revocation_of: RevocationLookup | None,
) -> SignatureReport:
    try:
        context = ValidationContext(
            trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail"
        )
        status = validate_pdf_signature(
            sig, signer_validation_context=context, ts_validation_context=context
        )
        return _report(sig, status, is_last=is_last, revocation_of=revocation_of)
    except Exception as exc:
        try:
            name = str(sig.field_name)
        except Exception:
            name = "?"
        log.info("signature %s cannot be evaluated: %r", name, exc)
        return SignatureReport(
            field_name=name,
            problem=Problem("signature_malformed", "the signature cannot be evaluated"),
        )


def _opened_with_empty_password(reader: PdfFileReader) -> bool:
    """Open a password-encrypted PDF whose user password is empty, as viewers do silently.

    Certificate-encrypted PDFs (public-key security handler) need a recipient's private key:
    nobody verifying a file here has one, so they stay closed.
    """
    if not isinstance(reader.security_handler, StandardSecurityHandler):
        return False
    return reader.decrypt("").status != AuthStatus.FAILED


def verify_pdf(
    pdf_bytes: bytes,
    trust_roots: Sequence[TrustRoot],
    *,
    revocation_of: RevocationLookup | None = None,
) -> VerificationReport:
    """Verify every signature in a PDF against ``trust_roots`` and judge the whole file.

    With ``revocation_of``, a certificate revoked before the signature's timestamp (or
    revoked at all, for a signature without a trusted timestamp) makes it invalid; one
    revoked after it is reported, and the signature stands.
    """
    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        if reader.encrypted and not _opened_with_empty_password(reader):
            return VerificationReport(
                False, Problem("pdf_encrypted", "the PDF is encrypted and needs a password")
            )
        signatures = list(reader.embedded_regular_signatures)
    except Exception as exc:  # untrusted input: any parser failure means "not readable"
        log.info("uploaded file is not a readable PDF: %r", exc)
        return VerificationReport(False, Problem("not_a_pdf", "not a readable PDF"))
    if not signatures:
        return VerificationReport(False, Problem("no_signatures", "the PDF is not signed"))
    roots = _load_roots(trust_roots)
    reports = tuple(
        _verify_one(sig, roots, i == len(signatures) - 1, revocation_of)
        for i, sig in enumerate(signatures)
    )
    if reports[-1].modified_after:
        # Content appended after the last signature taints every earlier one too.
        reports = tuple(_taint(r) for r in reports)
    reason = next((r.problem for r in reports if r.problem is not None), None)
    return VerificationReport(valid=reason is None, reason=reason, signatures=reports)


def _taint(report: SignatureReport) -> SignatureReport:
    if report.problem is not None:
        return report
    return replace(
        report,
        modified_after=True,
        problem=Problem(
            "modified_after_signing", "the document was changed after the last signature"
        ),
    )
