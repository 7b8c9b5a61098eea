"""Any change after signing is detected, with a stable reason code."""

from __future__ import annotations

import pytest
from conftest import Party
from lexseal_ca.pki import CertificateAuthority
from pades.pdf import PdfSigningEngine
from pades.testing import make_contract_pdf
from pades.verify import verify_pdf
from tampering import append_annotation, drop_last_signature, flip_byte, replace_qr_image


def _reason(pdf: bytes, ca: CertificateAuthority) -> str:
    report = verify_pdf(pdf, [ca.root_pem()])
    assert not report.valid
    assert report.reason is not None
    return report.reason.code


def test_one_changed_byte_in_signed_content(signed_pdf: bytes, ca: CertificateAuthority) -> None:
    tampered = flip_byte(signed_pdf, b"Service Agreemen")

    assert _reason(tampered, ca) == "digest_mismatch"


def test_an_appended_annotation_update(signed_pdf: bytes, ca: CertificateAuthority) -> None:
    tampered = append_annotation(signed_pdf)
    report = verify_pdf(tampered, [ca.root_pem()])

    assert _reason(tampered, ca) == "modified_after_signing"
    assert all(s.intact and s.modified_after for s in report.signatures)


def test_the_qr_image_replaced_after_signing(signed_pdf: bytes, ca: CertificateAuthority) -> None:
    assert _reason(replace_qr_image(signed_pdf), ca) == "modified_after_signing"


def test_a_signature_removed_by_rewriting(signed_pdf: bytes, ca: CertificateAuthority) -> None:
    tampered = drop_last_signature(signed_pdf)
    report = verify_pdf(tampered, [ca.root_pem()])

    assert len(report.signatures) == 2
    assert _reason(tampered, ca) == "digest_mismatch"


def test_a_pdf_without_signatures(prepared_pdf: bytes, ca: CertificateAuthority) -> None:
    assert _reason(prepared_pdf, ca) == "no_signatures"


def test_a_foreign_root_is_untrusted(signed_pdf: bytes, tmp_path: object) -> None:
    other = CertificateAuthority.open(tmp_path / "other", passphrase=b"x")  # type: ignore[operator]

    assert _reason(signed_pdf, other) == "untrusted"


@pytest.mark.parametrize("data", [b"", b"%PDF-1.7\ngarbage", make_contract_pdf()[:-200]])
def test_corrupt_input_gives_an_invalid_report(data: bytes, ca: CertificateAuthority) -> None:
    assert _reason(data, ca) in {"not_a_pdf", "no_signatures"}


def test_truncated_signed_file_is_invalid(signed_pdf: bytes, ca: CertificateAuthority) -> None:
    assert _reason(signed_pdf[: len(signed_pdf) // 2], ca) in {
        "not_a_pdf",
        "no_signatures",
        "digest_mismatch",
        "signature_malformed",
    }


@pytest.mark.parametrize("data", [b"", b"%PDF-1.7\ngarbage", make_contract_pdf()[:-200]])
def test_an_unreadable_file_is_named_without_the_parsers_own_words(
    data: bytes, ca: CertificateAuthority
) -> None:
    report = verify_pdf(data, [ca.root_pem()])
    if report.reason is not None and report.reason.code == "not_a_pdf":
        assert report.reason.message == "not a readable PDF"


def _encrypt(pdf: bytes, *, user: bytes) -> bytes:
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.writer import copy_into_new_writer

    writer = copy_into_new_writer(PdfFileReader(io.BytesIO(pdf)))
    writer.encrypt(owner_pass=b"owner-secret", user_pass=user)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_signed_pdf_encrypted_with_an_empty_user_password_is_verified(
    prepared_pdf: bytes, parties: list[Party], engine: PdfSigningEngine, ca: CertificateAuthority
) -> None:
    import io

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    party = parties[0]
    writer = IncrementalPdfFileWriter(io.BytesIO(_encrypt(prepared_pdf, user=b"")))
    writer.encrypt(b"owner-secret")
    out = signers.sign_pdf(
        writer,
        signers.PdfSignatureMetadata(field_name="Sig1"),
        signer=engine.signer_for(party.credential),
    )
    report = verify_pdf(out.getvalue(), [ca.root_pem()])
    assert report.valid and len(report.signatures) == 1, report.reason
    # a real user password is not something a verifier can know
    closed = verify_pdf(_encrypt(prepared_pdf, user=b"secret"), [ca.root_pem()])
    assert closed.reason is not None and closed.reason.code == "pdf_encrypted"


def test_a_certificate_encrypted_pdf_is_pdf_encrypted(ca: CertificateAuthority) -> None:
    from pades.testing import make_pubkey_encrypted_pdf

    report = verify_pdf(make_pubkey_encrypted_pdf(), [ca.root_pem()])
    assert report.reason is not None and report.reason.code == "pdf_encrypted"
