"""`lexseal evidence verify evidence.zip`: check an evidence package (出证) on its own, offline.

Checks, in order: every file the manifest lists is there with its SHA-256 and nothing else is;
the audit trail's platform signature holds against the CA root (the package's, or --root) and
names the hashes of the signed PDF, evidence.json and the root; every signature of the signed
PDF holds against the same root, with nothing but validation data and document timestamps
after the last one; evidence.json agrees with the PDF (signatures, serials, revision hashes).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

REQUIRED = ("manifest.json", "signed.pdf", "audit-trail.pdf", "evidence.json", "root.pem")
_EOF = re.compile(rb"%%EOF[ \t]*(\r\n|\r|\n)?")
_MAX_MEMBER = 200 * 1024 * 1024  # bytes: refuse a zip bomb rather than unpack it


@dataclass
class Verdict:
    """What the checks found: passed checks, failures, and the facts worth printing."""

    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)

    def check(self, ok: bool, what: str, why: str = "") -> bool:
        """Record one check."""
        if ok:
            self.passed.append(what)
        else:
            self.failed.append(f"{what}: {why}" if why else what)
        return ok

    @property
    def ok(self) -> bool:
        """Tell whether every check passed."""
        return not self.failed and bool(self.passed)


def _read(zf: zipfile.ZipFile, name: str) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > _MAX_MEMBER:
        raise ValueError(f"{name} is larger than {_MAX_MEMBER} bytes")
    return zf.read(name)


def _roots(pem_bytes: bytes) -> list[asn1_x509.Certificate]:
    return [asn1_x509.Certificate.load(der) for _, _, der in pem.unarmor(pem_bytes, multiple=True)]


def _context(roots: list[asn1_x509.Certificate]) -> ValidationContext:
    # Offline by design: the chains travel in the signatures, revocation is judged by the
    # platform at signing time (evidence.json) and by AdES validators from the DSS.
    return ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")


def _check_signature(
    sig: EmbeddedPdfSignature, roots: list[asn1_x509.Certificate], *, is_last: bool
) -> tuple[bool, str, str]:
    """Return (ok, why not, serial hex) for one signature."""
    try:
        context = _context(roots)
        status = validate_pdf_signature(
            sig, signer_validation_context=context, ts_validation_context=context
        )
    except Exception as exc:  # a malformed signature is a failed check, not a crash
        return False, f"cannot be evaluated ({exc})", "?"
    serial = format(status.signing_cert.serial_number, "x")
    if not status.intact:
        return False, "the signed bytes were changed", serial
    if not status.valid:
        return False, "the cryptographic signature does not verify", serial
    if not status.trusted:
        return False, "the certificate does not chain to the root", serial
    ts = status.timestamp_validity
    if ts is not None and not (ts.intact and ts.valid and ts.trusted):
        return False, "its timestamp does not verify", serial
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        limit = ModificationLevel.LTA_UPDATES if is_last else ModificationLevel.FORM_FILLING
        level = status.modification_level
        if not status.docmdp_ok or level is None or level.value > limit.value:
            return False, "the document was changed after this signature", serial
    return True, "", serial


def _revision_hashes(pdf: bytes) -> list[str]:
    ends = [m.end() for m in _EOF.finditer(pdf)]
    if not ends or ends[-1] != len(pdf):
        ends.append(len(pdf))
    return [hashlib.sha256(pdf[:end]).hexdigest() for end in ends]


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in reader.pages))


def _manifest(zf: zipfile.ZipFile, v: Verdict) -> dict[str, bytes] | None:
    names = set(zf.namelist())
    missing = [n for n in REQUIRED if n not in names]
    if not v.check(not missing, "package complete", f"missing {', '.join(missing)}"):
        return None
    try:
        manifest = json.loads(_read(zf, "manifest.json"))
        listed: dict[str, Any] = manifest["files"]
    except (ValueError, KeyError, TypeError) as exc:
        v.check(False, "manifest readable", str(exc))
        return None
    extra = sorted(names - set(listed) - {"manifest.json"})
    v.check(not extra, "no unlisted files", f"not in the manifest: {', '.join(extra)}")
    files: dict[str, bytes] = {}
    for name, entry in sorted(listed.items()):
        if name not in names:
            v.check(False, f"{name} present", "listed in the manifest but missing")
            continue
        data = _read(zf, name)
        digest = hashlib.sha256(data).hexdigest()
        v.check(
            isinstance(entry, dict) and entry.get("sha256") == digest,
            f"{name} sha256 matches the manifest",
            f"is {digest}",
        )
        files[name] = data
    return files


def _audit_trail(files: dict[str, bytes], roots: list[asn1_x509.Certificate], v: Verdict) -> None:
    audit = files["audit-trail.pdf"]
    try:
        signatures = PdfFileReader(io.BytesIO(audit), strict=False).embedded_regular_signatures
    except Exception as exc:
        v.check(False, "audit trail readable", str(exc))
        return
    if not v.check(bool(signatures), "audit trail signed by the platform", "it has no signature"):
        return
    for i, sig in enumerate(signatures):
        ok, why, serial = _check_signature(sig, roots, is_last=i == len(signatures) - 1)
        v.check(ok, f"audit trail signature {sig.field_name} (serial {serial})", why)
    text = _text(audit)
    for name in ("signed.pdf", "evidence.json", "root.pem"):
        digest = hashlib.sha256(files[name]).hexdigest()
        v.check(digest in text, f"audit trail names the sha256 of {name}", f"{digest} absent")


def _signed_pdf(
    files: dict[str, bytes], roots: list[asn1_x509.Certificate], v: Verdict
) -> list[tuple[str, str]]:
    pdf = files["signed.pdf"]
    try:
        signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_regular_signatures
    except Exception as exc:
        v.check(False, "signed PDF readable", str(exc))
        return []
    v.check(bool(signatures), "signed PDF carries signatures", "none found")
    found = []
    for i, sig in enumerate(signatures):
        ok, why, serial = _check_signature(sig, roots, is_last=i == len(signatures) - 1)
        v.check(ok, f"signature {sig.field_name} (serial {serial})", why)
        found.append((sig.field_name, serial))
    return found


def _evidence(files: dict[str, bytes], found: list[tuple[str, str]], v: Verdict) -> None:
    try:
        facts = json.loads(files["evidence.json"])
        listed = [(s["field"], s["certificate_serial"]) for s in facts["signatures"]]
        revisions = [r["sha256"] for r in facts["revisions"]]
    except (ValueError, KeyError, TypeError) as exc:
        v.check(False, "evidence.json readable", str(exc))
        return
    v.check(listed == found, "evidence.json lists the PDF's signatures", f"{listed} != {found}")
    v.check(
        revisions == _revision_hashes(files["signed.pdf"]),
        "evidence.json revision hashes match the PDF",
        "they differ",
    )
    v.check(
        facts.get("signed_sha256") == hashlib.sha256(files["signed.pdf"]).hexdigest(),
        "evidence.json names the signed PDF",
        "its signed_sha256 differs",
    )
    for s in facts["signatures"]:
        revocation = (s.get("revocation_at_signing") or {}).get("status", "?")
        intent = "intent confirmed" if s.get("intent_confirmation") else "no intent record"
        v.facts.append(
            f"{s['field']}: {s.get('signer')} — serial {s['certificate_serial']}, issuer "
            f"{s.get('certificate_issuer')}; signed {s.get('signing_time')}, timestamp "
            f"{s.get('timestamp')}; certificate {revocation} at signing; {intent}"
        )
    for t in facts.get("document_timestamps", []):
        v.facts.append(f"document timestamp {t['field']}: {t['time']} ({t['tsa']})")


def verify_package(data: bytes, *, root_pem: bytes | None = None) -> Verdict:
    """Check an evidence package; ``root_pem`` replaces the root the package carries."""
    v = Verdict()
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        v.check(False, "a zip file", str(exc))
        return v
    with zf:
        try:
            files = _manifest(zf, v)
        except (ValueError, zipfile.BadZipFile) as exc:
            v.check(False, "package readable", str(exc))
            return v
        if files is None or any(n not in files for n in REQUIRED[1:]):
            return v
        anchor = root_pem if root_pem is not None else files["root.pem"]
        roots = _roots(anchor)
        if not v.check(bool(roots), "a root certificate", "no certificate in it"):
            return v
        fingerprint = hashlib.sha256(roots[0].dump()).hexdigest()
        v.facts.append(f"root: {roots[0].subject.human_friendly} (SHA-256 {fingerprint})")
        if root_pem is not None:
            v.check(
                [c.dump() for c in _roots(files["root.pem"])] == [c.dump() for c in roots],
                "the package's root is the given root",
                "it differs",
            )
        _audit_trail(files, roots, v)
        found = _signed_pdf(files, roots, v)
        _evidence(files, found, v)
    return v


def print_verdict(v: Verdict, *, path: Path, out: TextIO) -> None:
    """Print the checks and one clear verdict line."""
    for line in v.facts:
        print(f"  {line}", file=out)
    for check in v.passed:
        print(f"  ok    {check}", file=out)
    for failure in v.failed:
        print(f"  FAIL  {failure}", file=out)
    if v.ok:
        print(f"VERIFIED: {path} — every check passed ({len(v.passed)})", file=out)
    else:
        print(f"NOT VERIFIED: {path} — {len(v.failed)} check(s) failed", file=out)


def run_verify(path: Path, *, root: Path | None, out: TextIO, err: TextIO) -> int:
    """Verify the package at ``path``; return 0 verified, 1 not verified, 2 unreadable."""
    try:
        data = path.read_bytes()
        root_pem = root.read_bytes() if root is not None else None
    except OSError as exc:
        print(f"lexseal evidence verify: cannot read: {exc}", file=err)
        return 2
    verdict = verify_package(data, root_pem=root_pem)
    print_verdict(verdict, path=path, out=out)
    return 0 if verdict.ok else 1
