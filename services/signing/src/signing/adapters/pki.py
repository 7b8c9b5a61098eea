"""The platform's internal CA: a root, an issuing intermediate and the certificates it issues."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .credentials import (
    IssuedCredential,
    PrivateKey,
    PublicKey,
    cert_pem,
    decrypt_key,
    encrypt_key,
    new_ec_key,
    new_rsa_key,
)
from .errors import CaError

# id-kp-documentSigning (RFC 9336); emailProtection is added because NSS (pdfsig)
# checks signer certificates for the S/MIME usage.
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
# ETSI EN 319 412-1 semantics identifier prefix for a national trade register number.
ORG_ID_PREFIX = "NTRCN-"

_ROOT_YEARS = 20
_ISSUING_YEARS = 10
_LEAF_DAYS = 365
# A CRL is valid for a week and reissued daily, so a published one never goes stale.
_CRL_VALIDITY = dt.timedelta(days=7)
_CRL_REFRESH = dt.timedelta(days=1)
# Where the gateway publishes the issuing CA's CRL (a public /api/verify route).
CRL_PATH = "/api/verify/crl/issuing.crl"
# Where it publishes the root's CRL (an ARL), which covers the issuing CA certificate.
ROOT_CRL_PATH = "/api/verify/crl/root.crl"
_FILES = ("root.pem", "root.key.pem", "issuing.pem", "issuing.key.pem")
# A signer's extended key usages (see DOCUMENT_SIGNING).
_SIGNER_EKU = (DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: PublicKey,
    *,
    not_after: dt.datetime,
    issuer_key: PrivateKey,
) -> x509.CertificateBuilder:
    now = _now() - dt.timedelta(minutes=5)  # tolerate small clock skew at the verifier
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), False
        )
    )


def _usage(*, ca: bool) -> x509.KeyUsage:
    # A CA signs certificates and CRLs; a signer signs documents (and commits to them).
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=not ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _name(*attrs: tuple[x509.ObjectIdentifier, str]) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN")]
        + [x509.NameAttribute(oid, value) for oid, value in attrs]
    )


def _due(crl: x509.CertificateRevocationList) -> bool:
    return _now() >= crl.last_update_utc + _CRL_REFRESH


def _issue_crl(issuer: x509.Name, key: PrivateKey) -> x509.CertificateRevocationList:
    this_update = _now() - dt.timedelta(minutes=5)  # clock skew, as for certificates
    return (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer)
        .last_update(this_update)
        .next_update(this_update + _CRL_VALIDITY)
        # A monotonically increasing number without shared state between replicas.
        .add_extension(x509.CRLNumber(int(this_update.timestamp() * 1000)), False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )


class CertificateAuthority:
    """A two-level internal CA whose keys live encrypted in one directory."""

    def __init__(
        self,
        *,
        root: x509.Certificate,
        issuing: x509.Certificate,
        issuing_key: PrivateKey,
        root_key: Callable[[], PrivateKey] | None = None,
        crl_url: str | None = None,
    ) -> None:
        self.root = root
        self.issuing = issuing
        self._issuing_key = issuing_key
        # The root key is decrypted only to sign a new root CRL, and never kept.
        self._load_root_key = root_key
        # Written into every certificate issued from now on as its CRL distribution point.
        self.crl_url = crl_url
        self._crl: x509.CertificateRevocationList | None = None
        self._root_crl: x509.CertificateRevocationList | None = None
        self._crl_lock = threading.Lock()

    @classmethod
    def open(
        cls,
        directory: Path,
        *,
        passphrase: bytes,
        organization: str = "lexseal",
        crl_url: str | None = None,
    ) -> CertificateAuthority:
        """Load the CA from ``directory``, creating and persisting it on first use."""
        if not (directory / "issuing.pem").exists():
            cls._create(directory, passphrase=passphrase, organization=organization)
        try:
            root = x509.load_pem_x509_certificate((directory / "root.pem").read_bytes())
            issuing = x509.load_pem_x509_certificate((directory / "issuing.pem").read_bytes())
            key_pem = (directory / "issuing.key.pem").read_bytes()
        except (OSError, ValueError) as exc:
            raise CaError(
                f"CA files in {directory} are unreadable: {exc}", code="ca_unreadable"
            ) from exc
        return cls(
            root=root,
            issuing=issuing,
            issuing_key=decrypt_key(key_pem, passphrase),
            root_key=lambda: cls._read_key(directory / "root.key.pem", passphrase),
            crl_url=crl_url,
        )

    @staticmethod
    def _read_key(path: Path, passphrase: bytes) -> PrivateKey:
        try:
            key_pem = path.read_bytes()
        except OSError as exc:
            raise CaError(f"CA key {path} is unreadable: {exc}", code="ca_unreadable") from exc
        return decrypt_key(key_pem, passphrase)

    @staticmethod
    def _create(directory: Path, *, passphrase: bytes, organization: str) -> None:
        # Build in a sibling temp dir and rename it into place: rename is atomic, so
        # concurrent replicas never see half a CA, and the loser simply loads the winner's.
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = directory.parent / f".{directory.name}.{uuid.uuid4().hex}"
        tmp.mkdir(mode=0o700)
        try:
            root_key, issuing_key = new_ec_key(), new_ec_key()
            now = _now()
            root_name = _name(
                (NameOID.ORGANIZATION_NAME, organization),
                (NameOID.COMMON_NAME, f"{organization} Root CA"),
            )
            root = (
                _builder(
                    root_name,
                    root_name,
                    root_key.public_key(),
                    issuer_key=root_key,
                    not_after=now + dt.timedelta(days=365 * _ROOT_YEARS),
                )
                .add_extension(x509.BasicConstraints(ca=True, path_length=1), True)
                .add_extension(_usage(ca=True), True)
                .sign(root_key, hashes.SHA256())
            )
            issuing_name = _name(
                (NameOID.ORGANIZATION_NAME, organization),
                (NameOID.COMMON_NAME, f"{organization} Signing CA"),
            )
            issuing = (
                _builder(
                    issuing_name,
                    root_name,
                    issuing_key.public_key(),
                    issuer_key=root_key,
                    not_after=now + dt.timedelta(days=365 * _ISSUING_YEARS),
                )
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), True)
                .add_extension(_usage(ca=True), True)
                .sign(root_key, hashes.SHA256())
            )
            contents = (
                cert_pem(root),
                encrypt_key(root_key, passphrase),
                cert_pem(issuing),
                encrypt_key(issuing_key, passphrase),
            )
            for name, data in zip(_FILES, contents, strict=True):
                fd = os.open(tmp / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
            if directory.exists() and not any(directory.iterdir()):
                directory.rmdir()
            os.rename(tmp, directory)
        except OSError as exc:
            if not (directory / "issuing.pem").exists():
                raise CaError(
                    f"cannot create the CA in {directory}: {exc}", code="ca_unwritable"
                ) from exc
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def root_pem(self) -> bytes:
        """Return the root certificate as PEM, for publishing as the trust anchor."""
        return cert_pem(self.root)

    def crl(self) -> x509.CertificateRevocationList:
        """Return the issuing CA's current CRL, reissuing it once a day.

        Nothing is ever revoked (the platform has no revocation yet), so the list is empty;
        it still lets validators check every issued certificate without a network fetch.
        """
        with self._crl_lock:
            crl = self._crl
            if crl is None or _due(crl):
                crl = self._crl = _issue_crl(self.issuing.subject, self._issuing_key)
            return crl

    def crl_der(self) -> bytes:
        """Return the current CRL in DER, as published at ``CRL_PATH``."""
        return self.crl().public_bytes(serialization.Encoding.DER)

    def root_crl(self) -> x509.CertificateRevocationList:
        """Return the root's current CRL (an ARL), reissued like the issuing CA's.

        It is empty too; AdES validators demand revocation data for the issuing CA
        certificate, and only the root can vouch for that.
        """
        with self._crl_lock:
            crl = self._root_crl
            if crl is None or _due(crl):
                if self._load_root_key is None:
                    raise CaError("the root key is not available", code="ca_root_key_missing")
                crl = self._root_crl = _issue_crl(self.root.subject, self._load_root_key())
            return crl

    def root_crl_der(self) -> bytes:
        """Return the root's current CRL in DER, as published at ``ROOT_CRL_PATH``."""
        return self.root_crl().public_bytes(serialization.Encoding.DER)

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        """Return the issuing chain (intermediate, root)."""
        return (self.issuing, self.root)

    def _certify(
        self,
        subject: x509.Name,
        *,
        public_key: PublicKey,
        usage: x509.KeyUsage,
        eku: Sequence[x509.ObjectIdentifier],
        eku_critical: bool,
        validity: dt.timedelta,
    ) -> x509.Certificate:
        # A leaf never outlives its issuer: validators would reject the tail anyway.
        not_after = min(_now() + validity, self.issuing.not_valid_after_utc)
        builder = (
            _builder(
                subject,
                self.issuing.subject,
                public_key,
                issuer_key=self._issuing_key,
                not_after=not_after,
            )
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
            .add_extension(usage, True)
            .add_extension(x509.ExtendedKeyUsage(list(eku)), eku_critical)
        )
        if self.crl_url:
            point = x509.DistributionPoint(
                full_name=[x509.UniformResourceIdentifier(self.crl_url)],
                relative_name=None,
                reasons=None,
                crl_issuer=None,
            )
            builder = builder.add_extension(x509.CRLDistributionPoints([point]), False)
        return builder.sign(self._issuing_key, hashes.SHA256())

    def _certify_signer(
        self, subject: x509.Name, public_key: PublicKey, validity: dt.timedelta
    ) -> x509.Certificate:
        return self._certify(
            subject,
            public_key=public_key,
            usage=_usage(ca=False),
            eku=_SIGNER_EKU,
            eku_critical=False,
            validity=validity,
        )

    def _issue_signer(self, subject: x509.Name, validity: dt.timedelta) -> IssuedCredential:
        key = new_ec_key()
        cert = self._certify_signer(subject, key.public_key(), validity)
        return IssuedCredential(certificate=cert, private_key=key, chain=self.chain)

    def issue_individual(
        self, *, name: str, id_number: str, validity: dt.timedelta = dt.timedelta(days=_LEAF_DAYS)
    ) -> IssuedCredential:
        """Issue a signing certificate for a verified individual (CN=name, serialNumber=ID)."""
        subject = _name((NameOID.COMMON_NAME, name), (NameOID.SERIAL_NUMBER, id_number))
        return self._issue_signer(subject, validity)

    def issue_enterprise(
        self,
        *,
        company_name: str,
        credit_code: str,
        validity: dt.timedelta = dt.timedelta(days=_LEAF_DAYS),
    ) -> IssuedCredential:
        """Issue a signing certificate for a verified enterprise (O/CN=name, credit code)."""
        return self._issue_signer(self._org_name(company_name, credit_code), validity)

    def issue_firm(
        self,
        *,
        firm_name: str,
        credit_code: str | None = None,
        validity: dt.timedelta = dt.timedelta(days=_LEAF_DAYS),
    ) -> IssuedCredential:
        """Issue the law firm's seal certificate, with a new key."""
        return self._issue_signer(self._org_name(firm_name, credit_code), validity)

    def issue_firm_certificate(
        self,
        public_key: PublicKey,
        *,
        firm_name: str,
        credit_code: str | None = None,
        validity: dt.timedelta = dt.timedelta(days=_LEAF_DAYS),
    ) -> x509.Certificate:
        """Certify a firm key the CA does not hold (on a token), as ``issue_firm`` would."""
        if not isinstance(public_key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
            raise CaError(
                f"the firm key must be EC or RSA, not {type(public_key).__name__}",
                code="ca_key_unsupported",
            )
        subject = self._org_name(firm_name, credit_code)
        return self._certify_signer(subject, public_key, validity)

    def issue_tsa(
        self, *, name: str, validity: dt.timedelta = dt.timedelta(days=_LEAF_DAYS)
    ) -> IssuedCredential:
        """Issue an RSA time-stamping certificate (critical EKU timeStamping, RFC 3161)."""
        subject = _name((NameOID.ORGANIZATION_NAME, name), (NameOID.COMMON_NAME, f"{name} TSA"))
        key = new_rsa_key()
        cert = self._certify(
            subject,
            public_key=key.public_key(),
            usage=_usage(ca=False),
            eku=(ExtendedKeyUsageOID.TIME_STAMPING,),
            eku_critical=True,
            validity=validity,
        )
        return IssuedCredential(certificate=cert, private_key=key, chain=self.chain)

    @staticmethod
    def _org_name(name: str, credit_code: str | None) -> x509.Name:
        attrs: list[tuple[x509.ObjectIdentifier, str]] = [
            (NameOID.ORGANIZATION_NAME, name),
            (NameOID.COMMON_NAME, name),
        ]
        if credit_code:
            attrs += [
                (NameOID.ORGANIZATION_IDENTIFIER, ORG_ID_PREFIX + credit_code),
                (NameOID.SERIAL_NUMBER, credit_code),
            ]
        return _name(*attrs)


__all__ = [
    "CRL_PATH",
    "DOCUMENT_SIGNING",
    "ORG_ID_PREFIX",
    "ROOT_CRL_PATH",
    "CertificateAuthority",
    "IssuedCredential",
    "PrivateKey",
    "PublicKey",
    "cert_pem",
    "decrypt_key",
    "encrypt_key",
]
