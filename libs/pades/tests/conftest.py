"""The engine's test fixtures: a small CA of its own (root, issuing CA, CRLs, OCSP), a TSA, seals.

The engine knows no service, so its tests build their certificates here rather than with the
signing service's CA; the CA satisfies `pades.ltv.CertificateAuthority` as the service's does.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

sys.path.insert(0, str(Path(__file__).parent))  # the tests import conftest

from pades.credentials import ORG_ID_PREFIX, IssuedCredential, PrivateKey
from pades.ltv import validation_context
from pades.pdf import PdfSigningEngine, prepare
from pades.seals import SealRenderer
from pades.testing import make_contract_pdf
from pades.tsa import LexsealTimeStamper

VERIFY_URL = "https://lexseal.example/verify/6f1c2a9e-0b57-4d1e-9a55-3f0d1f7c2b11"
FIRM_NAME = "上海明诚律师事务所"
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
# NSS (pdfsig) trusts a signer for documents only with emailProtection as well
SIGNER_EKU = (DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION)
NOW = dt.datetime.now(dt.UTC)


def _name(common_name: str, *extra: tuple[x509.ObjectIdentifier, str]) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN")]
    attrs += [x509.NameAttribute(oid, value) for oid, value in extra]
    return x509.Name([*attrs, x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key_usage(*, ca: bool, tsa: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=not (ca or tsa),
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _cert(
    subject: x509.Name,
    key: PrivateKey,
    issuer: x509.Certificate | None,
    issuer_key: PrivateKey,
    *,
    ca: bool,
    eku: tuple[x509.ObjectIdentifier, ...] = (),
) -> x509.Certificate:
    public = key.public_key()
    tsa = ExtendedKeyUsageOID.TIME_STAMPING in eku
    b = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer else subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(_key_usage(ca=ca, tsa=tsa), critical=True)
    )
    if issuer is not None:
        b = b.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
    if eku:
        b = b.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=tsa)
    return b.sign(issuer_key, hashes.SHA256())


@dataclass
class Issuing:
    certificate: x509.Certificate
    key: PrivateKey
    revoked: dict[int, dt.datetime] = field(default_factory=dict)


class LocalCa:
    """A root and one issuing CA, in memory: what `pades.ltv.CertificateAuthority` asks for."""

    def __init__(self) -> None:
        self.root_key = ec.generate_private_key(ec.SECP256R1())
        self.root = _cert(_name("pades test root"), self.root_key, None, self.root_key, ca=True)
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _cert(_name("pades test issuing CA"), key, self.root, self.root_key, ca=True)
        self.generations = (Issuing(cert, key),)

    def issue(self, name: str, *, credit_code: str | None = None) -> IssuedCredential:
        key = ec.generate_private_key(ec.SECP256R1())
        extra = (
            [(NameOID.ORGANIZATION_IDENTIFIER, ORG_ID_PREFIX + credit_code)] if credit_code else []
        )
        issuing = self.generations[0]
        cert = _cert(
            _name(name, *extra),
            key,
            issuing.certificate,
            issuing.key,
            ca=False,
            eku=SIGNER_EKU,
        )
        return IssuedCredential(cert, key, (issuing.certificate, self.root))

    def issue_tsa(self) -> IssuedCredential:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        issuing = self.generations[0]
        cert = _cert(
            _name("pades test TSA"), key, issuing.certificate, issuing.key, ca=False,
            eku=(ExtendedKeyUsageOID.TIME_STAMPING,),
        )  # fmt: skip
        return IssuedCredential(cert, key, (issuing.certificate, self.root))

    def revoke(self, cert: x509.Certificate) -> None:
        self.generations[0].revoked[cert.serial_number] = NOW

    def issuer_of(self, cert: x509.Certificate) -> Issuing | None:
        return next((g for g in self.generations if g.certificate.subject == cert.issuer), None)

    def _crl(
        self, issuer: x509.Certificate, key: PrivateKey, revoked: dict[int, dt.datetime]
    ) -> bytes:
        b = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(issuer.subject)
            .last_update(NOW - dt.timedelta(minutes=5))
            .next_update(NOW + dt.timedelta(days=1))
            .add_extension(x509.CRLNumber(1), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()),  # type: ignore[arg-type]
                critical=False,
            )
        )
        for serial, at in revoked.items():
            b = b.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(at).build()
            )
        return b.sign(key, hashes.SHA256()).public_bytes(Encoding.DER)

    def crls_der(self) -> list[bytes]:
        crls = [self._crl(g.certificate, g.key, g.revoked) for g in self.generations]
        return [*crls, self._crl(self.root, self.root_key, {})]

    def ocsp_for(self, cert: x509.Certificate) -> bytes:
        issuing = self.issuer_of(cert)
        assert issuing is not None
        revoked = issuing.revoked.get(cert.serial_number)
        b = ocsp.OCSPResponseBuilder().add_response(
            cert=cert, issuer=issuing.certificate, algorithm=hashes.SHA1(),  # noqa: S303 - CertID
            cert_status=ocsp.OCSPCertStatus.REVOKED if revoked else ocsp.OCSPCertStatus.GOOD,
            this_update=NOW - dt.timedelta(minutes=5), next_update=NOW + dt.timedelta(hours=1),
            revocation_time=revoked, revocation_reason=None,
        ).responder_id(ocsp.OCSPResponderEncoding.HASH, issuing.certificate)  # fmt: skip
        return b.sign(issuing.key, hashes.SHA256()).public_bytes(Encoding.DER)


@pytest.fixture(scope="session")
def ca() -> LocalCa:
    return LocalCa()


@pytest.fixture(scope="session")
def tsa(ca: LocalCa) -> LexsealTimeStamper:
    return LexsealTimeStamper(ca.issue_tsa())


@pytest.fixture(scope="session")
def engine() -> PdfSigningEngine:
    return PdfSigningEngine()


@pytest.fixture(scope="session")
def seals() -> SealRenderer:
    return SealRenderer()


@pytest.fixture(scope="session")
def prepared_pdf() -> bytes:
    return prepare(make_contract_pdf(pages=3), VERIFY_URL)


@pytest.fixture(scope="session")
def firm(ca: LocalCa) -> IssuedCredential:
    return ca.issue(FIRM_NAME, credit_code="31310000425012345Q")


@pytest.fixture(scope="session")
def signed_pdf(
    prepared_pdf: bytes,
    engine: PdfSigningEngine,
    seals: SealRenderer,
    tsa: LexsealTimeStamper,
    ca: LocalCa,
    firm: IssuedCredential,
) -> bytes:
    """A counterparty's signature, then the firm's, each timestamped with its LTV data."""
    person = ca.issue("张三")
    pdf = engine.sign(
        prepared_pdf, signer=engine.signer_for(person), field_name="counterparty_1", page=2,
        box=(72, 90, 172, 190), seal_png=seals.individual("张三"), timestamper=tsa,
        validation_context=validation_context(ca, certs=[person.certificate]),
    )  # fmt: skip
    return engine.sign(
        pdf, signer=engine.signer_for(firm), field_name="firm", page=2, box=(340, 90, 453, 203),
        seal_png=seals.firm(FIRM_NAME), timestamper=tsa, name=FIRM_NAME,
        validation_context=validation_context(ca, certs=[firm.certificate]),
    )  # fmt: skip
