"""What an evidence package states about a signed PDF: each revision's hash, each signature."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from pyhanko.pdf_utils.reader import PdfFileReader

from .verify import SignatureReport

_EOF = re.compile(rb"%%EOF[ \t]*(\r\n|\r|\n)?")


@dataclass(frozen=True)
class Revision:
    """One revision of a PDF (the original, or an incremental update) and its hash."""

    number: int  # 1-based
    size: int  # bytes from the start of the file to the end of this revision
    sha256: str
    sealed_by: str | None  # the signature or document timestamp whose bytes end here


def revisions(pdf: bytes) -> list[Revision]:
    """Return every revision of ``pdf``, each hashed from the file's start to its %%EOF."""
    sealed: dict[int, str] = {}
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    for sig in reader.embedded_signatures:
        end = sig.byte_range[2] + sig.byte_range[3]
        sealed[end] = sig.field_name
    ends = [m.end() for m in _EOF.finditer(pdf)]
    if not ends or ends[-1] != len(pdf):
        ends.append(len(pdf))
    return [
        Revision(
            number=i + 1,
            size=end,
            sha256=hashlib.sha256(pdf[:end]).hexdigest(),
            sealed_by=sealed.get(end),
        )
        for i, end in enumerate(ends)
    ]


def signature_facts(
    pdf: bytes, reports: tuple[SignatureReport, ...], revs: list[Revision]
) -> list[dict[str, Any]]:
    """Return what the package lists per signature (intent confirmation is added by the caller)."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    by_field = {s.field_name: s for s in reader.embedded_regular_signatures}
    by_size = {r.size: r for r in revs}
    out = []
    for report in reports:
        sig = by_field.get(report.field_name)
        revision = None
        if sig is not None:
            revision = by_size.get(sig.byte_range[2] + sig.byte_range[3])
        out.append(
            {
                "field": report.field_name,
                "signer": report.signer_name,
                "certificate_serial": report.certificate_serial,
                "certificate_issuer": report.issuer,
                "signing_time": _iso(report.signing_time),
                "timestamp": _iso(report.timestamp_time),
                "revocation_at_signing": _revocation(report),
                "valid": report.problem is None,
                "problem": report.problem.code if report.problem else None,
                "signed_revision": revision.number if revision else None,
                "signed_revision_sha256": revision.sha256 if revision else None,
                "intent_confirmation": None,
            }
        )
    return out


def document_timestamps(pdf: bytes) -> list[dict[str, Any]]:
    """Return the document timestamps (PAdES B-LTA): field, time and TSA certificate expiry."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    out = []
    for ts in reader.embedded_timestamp_signatures:
        cert = x509.load_der_x509_certificate(ts.signer_cert.dump())
        info = ts.signed_data["encap_content_info"]["content"].parsed
        out.append(
            {
                "field": ts.field_name,
                "time": _iso(info["gen_time"].native),
                "tsa": cert.subject.rfc4514_string(),
                "tsa_certificate_expires": _iso(cert.not_valid_after_utc),
            }
        )
    return out


def _revocation(report: SignatureReport) -> dict[str, Any]:
    """Return the certificate's status when the signature was made (its trusted timestamp)."""
    r = report.revocation
    if r is None:
        return {"status": "good", "revocation": None}
    return {
        "status": "revoked" if report.revoked_before_signing else "good",
        "revocation": {
            "reason": r.reason,
            "revoked_at": _iso(r.revoked_at),
            "invalidity_date": _iso(r.invalidity_date),
            "before_signing": report.revoked_before_signing,
        },
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
