"""Every signature carries its long-term validation data (PAdES B-LT), from the CA's own CRL."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from conftest import PASSPHRASE, Party
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import ValidationContext
from signing.adapters.errors import SigningFailed
from signing.adapters.ltv import issued_by, validation_context
from signing.adapters.pdf import PdfSigningEngine
from signing.adapters.pki import CertificateAuthority
from signing.adapters.signer import to_asn1
from signing.adapters.tsa import LexsealTimeStamper

from tools import need, run


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _dss(pdf: bytes) -> tuple[PdfFileReader, DocumentSecurityStore]:
    reader = PdfFileReader(io.BytesIO(pdf))
    return reader, DocumentSecurityStore.read_dss(reader)


def test_the_dss_holds_every_chain_and_the_issuing_ca_crl(
    signed_pdf: bytes, ca: CertificateAuthority, parties: list[Party], tsa: LexsealTimeStamper
) -> None:
    _, dss = _dss(signed_pdf)

    certs = {ref.get_object().data for ref in dss.certs.values()}
    signers = [_der(p.credential.certificate) for p in parties]
    assert set(signers) | {_der(ca.issuing), _der(ca.root), tsa.tsa_cert.dump()} <= certs
    crls = [x509.load_der_x509_crl(ref.get_object().data) for ref in dss.crls]
    assert crls and {c.issuer for c in crls} == {ca.issuing.subject}
    assert all(c.is_signature_valid(ca.issuing.public_key()) for c in crls)  # type: ignore[arg-type]


def _offline_context(ca: CertificateAuthority, dss: DocumentSecurityStore | None) -> Any:
    kwargs: dict[str, Any] = {
        "trust_roots": [to_asn1(ca.root)],
        "allow_fetching": False,
        "revocation_mode": "hard-fail",
        "retroactive_revinfo": True,
    }
    if dss is None:
        return ValidationContext(crls=[], **kwargs)
    return dss.as_validation_context(kwargs)


def test_the_embedded_data_alone_passes_hard_fail_revocation_checks(
    signed_pdf: bytes, ca: CertificateAuthority
) -> None:
    reader, dss = _dss(signed_pdf)

    for sig in reader.embedded_regular_signatures:
        context = _offline_context(ca, dss)
        status = validate_pdf_signature(
            sig, signer_validation_context=context, ts_validation_context=context
        )
        assert status.bottom_line and status.trusted, sig.field_name
        ts = status.timestamp_validity
        assert ts is not None and ts.trusted, sig.field_name
        assert status.revocation_details is None  # checked, and not revoked


def test_without_the_embedded_crl_hard_fail_validation_does_not_trust(
    signed_pdf: bytes, ca: CertificateAuthority
) -> None:
    # The control for the test above: the certificates do demand a revocation check.
    reader, _ = _dss(signed_pdf)
    sig = reader.embedded_regular_signatures[0]
    context = _offline_context(ca, None)

    status = validate_pdf_signature(sig, signer_validation_context=context)

    assert status.intact and status.valid and not status.trusted


def test_issued_certificates_name_the_crl_distribution_point(
    ca: CertificateAuthority, parties: list[Party], tsa: LexsealTimeStamper
) -> None:
    certs = [p.credential.certificate for p in parties]
    certs.append(x509.load_der_x509_certificate(tsa.tsa_cert.dump()))

    for cert in certs:
        points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
        assert [n.value for p in points for n in p.full_name or ()] == [ca.crl_url]


def test_the_crl_is_current_signed_by_the_issuing_ca_and_empty(
    ca: CertificateAuthority, tmp_path: Path
) -> None:
    crl = ca.crl()
    now = dt.datetime.now(dt.UTC)

    assert crl.issuer == ca.issuing.subject and len(crl) == 0
    assert crl.last_update_utc <= now < crl.next_update_utc  # type: ignore[operator]
    assert crl.is_signature_valid(ca.issuing.public_key())  # type: ignore[arg-type]
    assert not crl.is_signature_valid(ca.root.public_key())  # type: ignore[arg-type]
    assert ca.crl_der() == ca.crl_der()  # cached, not reissued per request
    need("openssl")
    (tmp_path / "issuing.crl").write_bytes(ca.crl_der())
    (tmp_path / "issuing.pem").write_bytes(ca.issuing.public_bytes(serialization.Encoding.PEM))
    text = run(
        "openssl", "crl", "-inform", "DER", "-in", tmp_path / "issuing.crl", "-noout", "-text"
    )
    assert text.returncode == 0 and "No Revoked Certificates" in text.stdout, text.stderr
    verified = run(
        "openssl",
        "crl",
        "-inform",
        "DER",
        "-in",
        tmp_path / "issuing.crl",
        "-CAfile",
        tmp_path / "issuing.pem",
        "-noout",
    )
    assert verified.returncode == 0 and "verify OK" in verified.stderr, verified.stderr


def test_a_chain_the_context_cannot_vouch_for_is_not_signed(
    prepared_pdf: bytes,
    parties: list[Party],
    engine: PdfSigningEngine,
    ca: CertificateAuthority,
    tmp_path: Path,
) -> None:
    other = CertificateAuthority.open(tmp_path / "other", passphrase=PASSPHRASE)
    stranger = other.issue_individual(name="李四", id_number="11010519491231002X")
    party = parties[0]
    assert issued_by(ca, to_asn1(party.credential.certificate))
    assert not issued_by(ca, to_asn1(stranger.certificate))

    with pytest.raises(SigningFailed):
        engine.sign(
            prepared_pdf,
            signer=engine.signer_for(stranger),
            field_name="stranger",
            page=party.page,
            box=party.box,
            seal_png=party.seal_png,
            validation_context=validation_context(ca),
        )
