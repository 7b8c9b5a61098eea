"""The internal CA: persistence, encryption at rest and certificate contents."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import PASSPHRASE
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID
from lexseal_ca.errors import CaError
from lexseal_ca.pki import DOCUMENT_SIGNING, CertificateAuthority, IssuedCredential


def _attr(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> str:
    return str(cert.subject.get_attributes_for_oid(oid)[0].value)


def _profile(cert: x509.Certificate) -> dict[x509.ObjectIdentifier, object]:
    # Every extension but the key identifier, which follows the key.
    return {
        e.oid: (e.critical, e.value)
        for e in cert.extensions
        if e.oid != ExtensionOID.SUBJECT_KEY_IDENTIFIER
    }


def test_ca_is_created_once_and_reloaded_from_encrypted_files(tmp_path: Path) -> None:
    first = CertificateAuthority.open(tmp_path / "ca", passphrase=PASSPHRASE)
    again = CertificateAuthority.open(tmp_path / "ca", passphrase=PASSPHRASE)

    assert again.root_pem() == first.root_pem()
    assert again.issuing == first.issuing
    for name in ("root.key.pem", "issuing.key.pem"):
        assert (
            (tmp_path / "ca" / name)
            .read_bytes()
            .startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        )
        assert (tmp_path / "ca" / name).stat().st_mode & 0o077 == 0


def test_wrong_passphrase_is_refused(tmp_path: Path) -> None:
    CertificateAuthority.open(tmp_path / "ca", passphrase=PASSPHRASE)

    with pytest.raises(CaError) as err:
        CertificateAuthority.open(tmp_path / "ca", passphrase=b"wrong")
    assert err.value.code == "key_passphrase_invalid"


def test_root_and_issuing_ca_shape(ca: CertificateAuthority) -> None:
    root, issuing = ca.root, ca.issuing
    assert root.subject == root.issuer
    years = (root.not_valid_after_utc - root.not_valid_before_utc).days / 365
    assert 19.9 < years < 20.1
    assert isinstance(root.public_key(), ec.EllipticCurvePublicKey)
    assert issuing.issuer == root.subject
    constraints = issuing.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca and constraints.value.path_length == 0
    issuing.verify_directly_issued_by(root)


def test_individual_certificate_contents(ca: CertificateAuthority) -> None:
    cred = ca.issue_individual(name="李四", id_number="11010519491231002X")
    cert = cred.certificate

    assert _attr(cert, NameOID.COMMON_NAME) == "李四"
    assert _attr(cert, NameOID.SERIAL_NUMBER) == "11010519491231002X"
    assert isinstance(cred.private_key, ec.EllipticCurvePrivateKey)
    cert.verify_directly_issued_by(ca.issuing)
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert DOCUMENT_SIGNING in eku and ExtendedKeyUsageOID.EMAIL_PROTECTION in eku
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert dt.timedelta(days=364) < lifetime < dt.timedelta(days=366)
    assert cred.chain == (ca.issuing, ca.root)


def test_enterprise_certificate_carries_the_credit_code(ca: CertificateAuthority) -> None:
    cert = ca.issue_enterprise(
        company_name="深圳某某贸易有限公司", credit_code="91440300MA5ABCDE1F"
    ).certificate

    assert _attr(cert, NameOID.ORGANIZATION_NAME) == "深圳某某贸易有限公司"
    assert _attr(cert, NameOID.COMMON_NAME) == "深圳某某贸易有限公司"
    assert _attr(cert, NameOID.ORGANIZATION_IDENTIFIER) == "NTRCN-91440300MA5ABCDE1F"
    assert _attr(cert, NameOID.SERIAL_NUMBER) == "91440300MA5ABCDE1F"


def test_tsa_certificate_is_rsa_with_critical_timestamping_eku(ca: CertificateAuthority) -> None:
    cred = ca.issue_tsa(name="lexseal")
    eku = cred.certificate.extensions.get_extension_for_oid(ExtensionOID.EXTENDED_KEY_USAGE)

    assert eku.critical and list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    assert isinstance(cred.private_key, rsa.RSAPrivateKey)


def test_credential_round_trips_through_encrypted_pem(ca: CertificateAuthority) -> None:
    cred = ca.issue_firm(firm_name="某律师事务所")
    loaded = IssuedCredential.from_pem(
        certificate_pem=cred.certificate_pem(),
        private_key_pem=cred.private_key_pem(b"pw"),
        chain_pem=cred.chain_pem(),
        passphrase=b"pw",
    )

    assert loaded.certificate == cred.certificate
    assert loaded.chain == cred.chain
    assert loaded.private_key.private_numbers() == cred.private_key.private_numbers()


@pytest.mark.parametrize(
    "key", [ec.generate_private_key(ec.SECP256R1()), rsa.generate_private_key(65537, 2048)]
)
def test_a_key_the_ca_does_not_hold_gets_the_generated_firm_profile(
    ca: CertificateAuthority, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
) -> None:
    generated = ca.issue_firm(firm_name="上海明诚律师事务所", credit_code="91310000MA1FL8XQ3C")

    cert = ca.issue_firm_certificate(
        key.public_key(), firm_name="上海明诚律师事务所", credit_code="91310000MA1FL8XQ3C"
    )

    assert cert.public_key() == key.public_key()
    cert.verify_directly_issued_by(ca.issuing)
    assert cert.subject == generated.certificate.subject
    # Same extensions, same criticality: only the key identifier differs with the key.
    assert _profile(cert) == _profile(generated.certificate)
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert dt.timedelta(days=364) < lifetime < dt.timedelta(days=366)


def test_the_ca_certifies_only_ec_or_rsa_firm_keys(ca: CertificateAuthority) -> None:
    with pytest.raises(CaError) as err:
        ca.issue_firm_certificate(
            ed25519.Ed25519PrivateKey.generate().public_key(),  # type: ignore[arg-type]
            firm_name="上海明诚律师事务所",
        )
    assert err.value.code == "ca_key_unsupported"
