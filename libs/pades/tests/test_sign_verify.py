"""Signing and verifying with the engine alone: PAdES with a timestamp and LTV data, checked by
the engine, by pyHanko's CLI and by pdfsig; changed bytes, untrusted roots and revocations fail."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import FIRM_NAME, LocalCa
from pades.credentials import IssuedCredential, cert_pem
from pades.errors import PlacementError
from pades.evidence_facts import revisions
from pades.pdf import PdfSigningEngine, document_geometry
from pades.seals import SealRenderer
from pades.testing import PYHANKO_CLI, nss_db_trusting, run
from pades.verify import verify_pdf
from pyhanko.pdf_utils.reader import PdfFileReader
from servicekit.testing import need_tools


@dataclass(frozen=True)
class Revoked:
    reason: str
    revoked_at: dt.datetime
    invalidity_date: dt.datetime | None = None

    @property
    def effective_from(self) -> dt.datetime:
        return self.revoked_at


def test_both_signatures_are_intact_trusted_and_timestamped(signed_pdf: bytes, ca: LocalCa) -> None:
    report = verify_pdf(signed_pdf, [ca.root])
    assert report.valid, report.reason
    assert [s.field_name for s in report.signatures] == ["counterparty_1", "firm"]
    for s in report.signatures:
        assert s.intact and s.valid and s.trusted and s.timestamp_time is not None
    firm = report.signatures[1]
    assert firm.signer_name == FIRM_NAME and firm.subject_id == "31310000425012345Q"


def test_the_ltv_data_is_in_the_file(signed_pdf: bytes) -> None:
    reader = PdfFileReader(io.BytesIO(signed_pdf), strict=False)
    dss = reader.root["/DSS"]
    assert dss["/Certs"] and dss["/CRLs"] and dss["/OCSPs"]
    assert len(revisions(signed_pdf)) >= 4  # the original, and per signature its own and its DSS


def test_a_changed_byte_or_a_foreign_root_fails(signed_pdf: bytes, ca: LocalCa) -> None:
    flipped = bytearray(signed_pdf)
    at = signed_pdf.index(b"/Contents") - 200  # inside the first signature's signed bytes
    flipped[at] = flipped[at] ^ 0x01
    assert not verify_pdf(bytes(flipped), [ca.root]).valid
    other = LocalCa()
    report = verify_pdf(signed_pdf, [other.root])
    assert not report.valid and report.reason is not None and report.reason.code == "untrusted"


def test_a_certificate_revoked_before_the_signature_invalidates_it(
    signed_pdf: bytes, ca: LocalCa
) -> None:
    long_ago = Revoked("key_compromise", dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    report = verify_pdf(signed_pdf, [ca.root], revocation_of=lambda cert: long_ago)
    assert not report.valid and report.reason is not None
    assert all(s.revoked_before_signing for s in report.signatures)
    later = Revoked("superseded", dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    report = verify_pdf(signed_pdf, [ca.root], revocation_of=lambda cert: later)
    assert report.valid  # revoked after the timestamped signature: it stands, and says so
    assert all(s.revocation == later and not s.revoked_before_signing for s in report.signatures)


def test_a_seal_on_the_qr_is_refused(
    prepared_pdf: bytes, engine: PdfSigningEngine, seals: SealRenderer, firm: IssuedCredential
) -> None:
    qr = document_geometry(prepared_pdf)[0].qr_box
    with pytest.raises(PlacementError):
        engine.sign(
            prepared_pdf, signer=engine.signer_for(firm), field_name="firm", page=0,
            box=(qr[0] - 50, qr[1], qr[0] + 10, qr[1] + 60), seal_png=seals.firm(FIRM_NAME),
        )  # fmt: skip


def test_pyhanko_and_pdfsig_validate_the_file(
    signed_pdf: bytes, ca: LocalCa, tmp_path: Path
) -> None:
    need_tools("pdfsig", "certutil")
    pdf, root = tmp_path / "signed.pdf", tmp_path / "root.pem"
    pdf.write_bytes(signed_pdf)
    root.write_bytes(cert_pem(ca.root))
    checked = run(
        PYHANKO_CLI, "sign", "validate", "--trust", root, "--trust-replace", "--executive-summary",
        pdf,
    )  # fmt: skip
    assert checked.returncode == 0 and checked.stdout.count(":VALID") == 2, checked.stdout
    nss = nss_db_trusting(root, tmp_path / "nss")
    out = run("pdfsig", "-nssdir", nss, pdf).stdout
    assert out.count("Signature Validation: Signature is Valid.") == 2, out
    assert "Certificate Validation: Certificate is Trusted." in out, out


def test_a_report_is_plain_data_that_pickles_small(signed_pdf: bytes, ca: LocalCa) -> None:
    """The report crosses from the bounded child to the service as a pickle: it must carry
    plain values, not pyHanko objects that drag the whole parsed PDF along."""
    import pickle

    report = verify_pdf(signed_pdf, [ca.root])
    assert all(type(s.field_name) is str for s in report.signatures)
    assert len(pickle.dumps(report)) < 8 * 1024 < len(signed_pdf)
    assert pickle.loads(pickle.dumps(report)) == report  # noqa: S301 (our own bytes)
