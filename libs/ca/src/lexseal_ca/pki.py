"""The platform's internal CA: a root, an issuing intermediate and the certificates it issues."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID
from pades.credentials import (
    ORG_ID_PREFIX,
    IssuedCredential,
    PrivateKey,
    PublicKey,
    cert_pem,
    decrypt_key,
    encrypt_key,
    new_ec_key,
    new_rsa_key,
)
from pades.errors import CaError

from .revocation import (
    Revocation,
    crl_due,
    issue_crl,
    key_hash,
    malformed,
    name_hash,
    ocsp_response,
    unauthorized,
)

# id-kp-documentSigning (RFC 9336); emailProtection is added because NSS (pdfsig)
# checks signer certificates for the S/MIME usage.
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")

_ROOT_YEARS = 20
_ISSUING_YEARS = 10
_LEAF_DAYS = 365
# Where the gateway publishes the first issuing CA's CRL (a public /api/verify route); a
# later issuing CA (after a key rollover) publishes at crl_path(n).
CRL_PATH = "/api/verify/crl/issuing.crl"
# Where it publishes the root's CRL (an ARL), which covers the issuing CA certificates.
ROOT_CRL_PATH = "/api/verify/crl/root.crl"
# The OCSP responder (RFC 6960) for every issuing CA, named in each certificate's AIA.
OCSP_PATH = "/api/verify/ocsp"
_ROOT_FILES = ("root.pem", "root.key.pem")
# A signer's extended key usages (see DOCUMENT_SIGNING).
_SIGNER_EKU = (DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION)
# An OCSP response embedded at signing is reused this long while the status is unchanged.
_OCSP_REUSE = dt.timedelta(minutes=30)
_OCSP_CACHE_SIZE = 4096
# Each issuing CA answers OCSP through a delegated responder certificate (RFC 6960 4.2.2.2:
# id-kp-OCSPSigning, id-pkix-ocsp-nocheck) kept in memory, renewed before it runs short.
# Not through the CA key itself: poppler 22.12/NSS (pdfsig) re-imports the issuing CA
# certificate, already brought in and dropped with every CMS signature it reads, to check a
# response the CA signed; NSS refuses that re-import (SEC_ERROR_REUSED_ISSUER_AND_SERIAL),
# the OCSP check soft-fails and poppler, which reads PORT_GetError() even after a
# successful verification, reports "Unknown issue" for the signature's chain.
_RESPONDER_DAYS = 30
_RESPONDER_RENEW = dt.timedelta(days=7)
_GENERATION_FILE = re.compile(r"^issuing-([0-9]+)\.pem$")


@dataclass(frozen=True)
class RevocationTable:
    """What each issuing CA lists as revoked, as plain data: (subject DER, key id, revoked).

    Looks a certificate up as `Ca.revocation_of` does, in a process that has no CA.
    """

    issuers: tuple[tuple[bytes, bytes, dict[int, Revocation]], ...]

    def __call__(self, cert: x509.Certificate) -> Revocation | None:
        """Return the revocation of `cert`, if one of these CAs issued and revoked it."""
        aki = authority_key_id(cert)
        issuer = cert.issuer.public_bytes()
        for subject, key_id, revoked in self.issuers:
            if subject == issuer and (aki is None or aki == key_id):
                return revoked.get(cert.serial_number)
        return None


def crl_path(generation: int) -> str:
    """Return where the CRL of the issuing CA of ``generation`` is published."""
    return CRL_PATH if generation == 1 else f"/api/verify/crl/issuing-{generation}.crl"


def _files(generation: int) -> tuple[str, str]:
    stem = "issuing" if generation == 1 else f"issuing-{generation}"
    return f"{stem}.pem", f"{stem}.key.pem"


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


def _distribution_point(url: str) -> x509.CRLDistributionPoints:
    point = x509.DistributionPoint(
        full_name=[x509.UniformResourceIdentifier(url)],
        relative_name=None,
        reasons=None,
        crl_issuer=None,
    )
    return x509.CRLDistributionPoints([point])


def key_id(cert: x509.Certificate) -> bytes:
    """Return a certificate's subject key identifier (computed if the extension is absent)."""
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except x509.ExtensionNotFound:
        return x509.SubjectKeyIdentifier.from_public_key(cert.public_key()).digest  # type: ignore[arg-type]


def authority_key_id(cert: x509.Certificate) -> bytes | None:
    """Return the key identifier of the CA that issued ``cert``, if it names one."""
    try:
        ext = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    except x509.ExtensionNotFound:
        return None
    return ext.key_identifier


def _write_new(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


@dataclass
class IssuingCa:
    """One issuing CA certificate and its key: the current one, or one rolled over."""

    generation: int
    certificate: x509.Certificate
    key: PrivateKey
    crl_url: str | None = None
    revoked: dict[int, Revocation] = field(default_factory=dict)
    _crl: x509.CertificateRevocationList | None = None
    _responder: tuple[x509.Certificate, PrivateKey] | None = None

    @property
    def key_id(self) -> bytes:
        """Return the subject key identifier its certificates name as their authority."""
        return key_id(self.certificate)

    def crl(self) -> x509.CertificateRevocationList:
        """Return its current CRL, reissued daily and whenever the revoked set changes."""
        crl = self._crl
        if crl is None or crl_due(crl):
            crl = self._crl = issue_crl(self.certificate.subject, self.key, self.revoked.values())
        return crl

    def responder(self) -> tuple[x509.Certificate, PrivateKey]:
        """Return its OCSP responder certificate and key, issued anew when it runs short."""
        responder = self._responder
        if responder is None or responder[0].not_valid_after_utc - _now() < _RESPONDER_RENEW:
            responder = self._responder = _issue_responder(self.certificate, self.key)
        return responder


def _issue_responder(
    issuing: x509.Certificate, issuing_key: PrivateKey
) -> tuple[x509.Certificate, PrivateKey]:
    key = new_ec_key()
    not_after = min(_now() + dt.timedelta(days=_RESPONDER_DAYS), issuing.not_valid_after_utc)
    subject = x509.Name(
        [
            *issuing.subject,
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "OCSP responder"),
        ]
    )
    cert = (
        _builder(
            subject, issuing.subject, key.public_key(), issuer_key=issuing_key, not_after=not_after
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), False)
        # validators do not ask for the responder's own status (its life is short)
        .add_extension(x509.OCSPNoCheck(), False)
        .sign(issuing_key, hashes.SHA256())
    )
    return cert, key


class CertificateAuthority:
    """A two-level internal CA whose keys live encrypted in one directory.

    The root certifies one or more issuing CAs (generations): the newest issues every new
    certificate; an earlier one (after a key rollover) keeps publishing its CRL and answering
    OCSP, so the signatures its certificates made stay verifiable.
    """

    def __init__(
        self,
        *,
        root: x509.Certificate,
        generations: Sequence[IssuingCa],
        root_key: Callable[[], PrivateKey] | None = None,
        ocsp_url: str | None = None,
    ) -> None:
        if not generations:
            raise CaError("the CA has no issuing certificate", code="ca_unreadable")
        self.root = root
        self.generations = tuple(sorted(generations, key=lambda g: g.generation))
        self.current = self.generations[-1]
        self.issuing = self.current.certificate
        self._issuing_key = self.current.key
        # The root key is decrypted only to sign a new root CRL, and never kept.
        self._load_root_key = root_key
        # Written into every certificate issued from now on as its CRL distribution point.
        self.crl_url = self.current.crl_url
        self.ocsp_url = ocsp_url
        self._root_crl: x509.CertificateRevocationList | None = None
        self._crl_lock = threading.Lock()
        self.revocations_version: object = None
        self._ocsp_cache: dict[tuple[bytes, int], tuple[Revocation | None, dt.datetime, bytes]] = {}

    @classmethod
    def open(
        cls,
        directory: Path,
        *,
        passphrase: bytes,
        organization: str = "lexseal",
        base_url: str | None = None,
    ) -> CertificateAuthority:
        """Load the CA from ``directory``, creating and persisting it on first use.

        ``base_url`` is where the gateway publishes the CA's CRLs and OCSP responder: every
        certificate issued from now on names them.
        """
        base = base_url.rstrip("/") if base_url else None
        if not (directory / "issuing.pem").exists():
            root_crl_url = base + ROOT_CRL_PATH if base else None
            cls._create(
                directory, passphrase=passphrase, organization=organization, root_crl=root_crl_url
            )
        try:
            root = x509.load_pem_x509_certificate((directory / "root.pem").read_bytes())
            generations = [
                IssuingCa(
                    generation=n,
                    certificate=x509.load_pem_x509_certificate((directory / cert).read_bytes()),
                    key=decrypt_key((directory / key).read_bytes(), passphrase),
                    crl_url=base + crl_path(n) if base else None,
                )
                for n in cls._generations(directory)
                for cert, key in [_files(n)]
            ]
        except (OSError, ValueError) as exc:
            raise CaError(
                f"CA files in {directory} are unreadable",
                code="ca_unreadable",
                detail=repr(exc),
            ) from exc
        return cls(
            root=root,
            generations=generations,
            root_key=lambda: cls._read_key(directory / "root.key.pem", passphrase),
            ocsp_url=base + OCSP_PATH if base else None,
        )

    @staticmethod
    def _generations(directory: Path) -> list[int]:
        found = [1]
        for path in directory.iterdir():
            match = _GENERATION_FILE.match(path.name)
            if match and (directory / _files(int(match[1]))[1]).exists():
                found.append(int(match[1]))
        return sorted(set(found))

    @staticmethod
    def _read_key(path: Path, passphrase: bytes) -> PrivateKey:
        try:
            key_pem = path.read_bytes()
        except OSError as exc:
            raise CaError(
                f"CA key {path} is unreadable", code="ca_unreadable", detail=repr(exc)
            ) from exc
        return decrypt_key(key_pem, passphrase)

    @staticmethod
    def _issuing_certificate(
        *,
        organization: str,
        root: x509.Certificate,
        root_key: PrivateKey,
        key: PrivateKey,
        generation: int,
        root_crl: str | None,
    ) -> x509.Certificate:
        suffix = "" if generation == 1 else f" {generation}"
        name = _name(
            (NameOID.ORGANIZATION_NAME, organization),
            (NameOID.COMMON_NAME, f"{organization} Signing CA{suffix}"),
        )
        not_after = min(_now() + dt.timedelta(days=365 * _ISSUING_YEARS), root.not_valid_after_utc)
        builder = (
            _builder(name, root.subject, key.public_key(), issuer_key=root_key, not_after=not_after)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), True)
            .add_extension(_usage(ca=True), True)
        )
        if root_crl:
            # Validators find the root's revocation data for this certificate here.
            builder = builder.add_extension(_distribution_point(root_crl), False)
        return builder.sign(root_key, hashes.SHA256())

    @classmethod
    def _create(
        cls, directory: Path, *, passphrase: bytes, organization: str, root_crl: str | None
    ) -> None:
        # Build in a sibling temp dir and rename it into place: rename is atomic, so
        # concurrent replicas never see half a CA, and the loser simply loads the winner's.
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = directory.parent / f".{directory.name}.{uuid.uuid4().hex}"
        tmp.mkdir(mode=0o700)
        try:
            root_key, issuing_key = new_ec_key(), new_ec_key()
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
                    not_after=_now() + dt.timedelta(days=365 * _ROOT_YEARS),
                )
                .add_extension(x509.BasicConstraints(ca=True, path_length=1), True)
                .add_extension(_usage(ca=True), True)
                .sign(root_key, hashes.SHA256())
            )
            issuing = cls._issuing_certificate(
                organization=organization,
                root=root,
                root_key=root_key,
                key=issuing_key,
                generation=1,
                root_crl=root_crl,
            )
            contents = (
                cert_pem(root),
                encrypt_key(root_key, passphrase),
                cert_pem(issuing),
                encrypt_key(issuing_key, passphrase),
            )
            for name, data in zip((*_ROOT_FILES, *_files(1)), contents, strict=True):
                _write_new(tmp / name, data)
            if directory.exists() and not any(directory.iterdir()):
                directory.rmdir()
            os.rename(tmp, directory)
        except OSError as exc:
            if not (directory / "issuing.pem").exists():
                raise CaError(
                    f"cannot create the CA in {directory}",
                    code="ca_unwritable",
                    detail=repr(exc),
                ) from exc
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def rollover(
        cls,
        directory: Path,
        *,
        passphrase: bytes,
        organization: str = "lexseal",
        base_url: str | None = None,
    ) -> int:
        """Bring in a new issuing CA (new key, certified by the root); return its generation.

        Earlier generations stay: their CRLs are still published and OCSP still answers for
        them, so what their certificates signed keeps validating. Running services pick the
        new one up when restarted.
        """
        ca = cls.open(directory, passphrase=passphrase, organization=organization)
        generation = ca.current.generation + 1
        root_key = cls._read_key(directory / "root.key.pem", passphrase)
        key = new_ec_key()
        base = base_url.rstrip("/") if base_url else None
        cert = cls._issuing_certificate(
            organization=organization,
            root=ca.root,
            root_key=root_key,
            key=key,
            generation=generation,
            root_crl=base + ROOT_CRL_PATH if base else None,
        )
        cert_name, key_name = _files(generation)
        try:
            # the key first: a certificate without its key is not a generation (see _generations)
            _write_new(directory / key_name, encrypt_key(key, passphrase))
            _write_new(directory / cert_name, cert_pem(cert))
        except OSError as exc:
            raise CaError(
                f"cannot write the new issuing CA in {directory}",
                code="ca_unwritable",
                detail=repr(exc),
            ) from exc
        return generation

    def root_pem(self) -> bytes:
        """Return the root certificate as PEM, for publishing as the trust anchor."""
        return cert_pem(self.root)

    def generation(self, number: int) -> IssuingCa | None:
        """Return the issuing CA of generation ``number``, if there is one."""
        return next((g for g in self.generations if g.generation == number), None)

    def issuer_of(self, cert: x509.Certificate) -> IssuingCa | None:
        """Return the issuing CA (of any generation) that issued ``cert``, if one did."""
        aki = authority_key_id(cert)
        for g in self.generations:
            if g.certificate.subject == cert.issuer and (aki is None or aki == g.key_id):
                return g
        return None

    def issuer_by_key_hash(
        self, digest: bytes, algorithm: hashes.HashAlgorithm
    ) -> IssuingCa | None:
        """Return the issuing CA whose public key hashes to ``digest`` (an OCSP CertID)."""
        return next(
            (g for g in self.generations if key_hash(g.certificate, algorithm) == digest), None
        )

    def set_revocations(self, revoked: Iterable[tuple[bytes, Revocation]], version: object) -> None:
        """Replace what each issuing CA lists as revoked (by its key id); reissue changed CRLs."""
        by_ca: dict[bytes, dict[int, Revocation]] = {g.key_id: {} for g in self.generations}
        for ca_key_id, r in revoked:
            if ca_key_id in by_ca:
                by_ca[ca_key_id][r.serial] = r
        with self._crl_lock:
            for g in self.generations:
                if g.revoked != by_ca[g.key_id]:
                    g.revoked = by_ca[g.key_id]
                    g._crl = None  # reissued at once
            self.revocations_version = version

    def revocation_table(self) -> RevocationTable:
        """Return a picklable copy of every issuing CA's revocations (for a bounded child)."""
        with self._crl_lock:
            return RevocationTable(
                tuple(
                    (g.certificate.subject.public_bytes(), g.key_id, dict(g.revoked))
                    for g in self.generations
                )
            )

    def revocation_of(self, cert: x509.Certificate) -> Revocation | None:
        """Return the revocation of a certificate this CA issued, if it is revoked."""
        issuer = self.issuer_of(cert)
        return issuer.revoked.get(cert.serial_number) if issuer is not None else None

    def crl(self, generation: int | None = None) -> x509.CertificateRevocationList:
        """Return an issuing CA's current CRL (the current one's by default)."""
        issuer = self.current if generation is None else self.generation(generation)
        if issuer is None:
            raise CaError(f"no issuing CA of generation {generation}", code="ca_generation_unknown")
        with self._crl_lock:
            return issuer.crl()

    def crl_der(self, generation: int | None = None) -> bytes:
        """Return an issuing CA's current CRL in DER, as published at ``crl_path``."""
        return self.crl(generation).public_bytes(serialization.Encoding.DER)

    def crls_der(self) -> list[bytes]:
        """Return every CRL the CA publishes (each issuing CA's and the root's), in DER."""
        return [self.crl_der(g.generation) for g in self.generations] + [self.root_crl_der()]

    def root_crl(self) -> x509.CertificateRevocationList:
        """Return the root's current CRL (an ARL), reissued like the issuing CAs'.

        It lists no issuing CA (a rolled-over one stays valid for what it signed); AdES
        validators demand revocation data for the issuing CA certificates, and only the
        root can vouch for those.
        """
        with self._crl_lock:
            crl = self._root_crl
            if crl is None or crl_due(crl):
                if self._load_root_key is None:
                    raise CaError("the root key is not available", code="ca_root_key_missing")
                crl = self._root_crl = issue_crl(self.root.subject, self._load_root_key(), ())
            return crl

    def root_crl_der(self) -> bytes:
        """Return the root's current CRL in DER, as published at ``ROOT_CRL_PATH``."""
        return self.root_crl().public_bytes(serialization.Encoding.DER)

    def ocsp_answer(
        self, request_der: bytes, *, is_known: Callable[[bytes, int], bool] | None = None
    ) -> bytes:
        """Answer an OCSP request (RFC 6960) for one of the issuing CAs; return the DER.

        ``is_known(ca_key_id, serial)`` tells whether the CA issued the serial: a serial it
        did not issue is ``unknown``, never ``good``. Without it, any serial not revoked is good.
        """
        try:
            request = ocsp.load_der_ocsp_request(request_der)
        except ValueError:
            return malformed()
        algorithm = request.hash_algorithm
        issuer = self.issuer_by_key_hash(request.issuer_key_hash, algorithm)
        if issuer is None or request.issuer_name_hash != name_hash(issuer.certificate, algorithm):
            return unauthorized()
        try:
            nonce = request.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
        except x509.ExtensionNotFound:
            nonce = None
        serial = request.serial_number
        revocation = issuer.revoked.get(serial)
        known = revocation is not None or is_known is None or is_known(issuer.key_id, serial)
        with self._crl_lock:
            responder, responder_key = issuer.responder()
        response = ocsp_response(
            cert=None,
            serial=serial,
            issuer=issuer.certificate,
            responder=responder,
            responder_key=responder_key,
            revocation=revocation,
            known=known,
            nonce=nonce,
            algorithm=algorithm,
        )
        return response.public_bytes(serialization.Encoding.DER)

    def ocsp_for(self, cert: x509.Certificate) -> bytes:
        """Return a fresh OCSP response (DER) on a certificate this CA issued (local, no HTTP).

        A response is reused for up to ``_OCSP_REUSE`` while the certificate's status stays
        the same: signing a response on every signature would be work for nothing.
        """
        issuer = self.issuer_of(cert)
        if issuer is None:
            raise CaError("the certificate is not issued by this CA", code="ca_not_issuer")
        revocation = issuer.revoked.get(cert.serial_number)
        key = (issuer.key_id, cert.serial_number)
        with self._crl_lock:
            cached = self._ocsp_cache.get(key)
        now = _now()
        if cached is not None and cached[0] == revocation and now - cached[1] < _OCSP_REUSE:
            return cached[2]
        with self._crl_lock:
            responder, responder_key = issuer.responder()
        response = ocsp_response(
            cert=cert,
            serial=cert.serial_number,
            issuer=issuer.certificate,
            responder=responder,
            responder_key=responder_key,
            revocation=revocation,
            known=True,
        )
        der = response.public_bytes(serialization.Encoding.DER)
        with self._crl_lock:
            if len(self._ocsp_cache) >= _OCSP_CACHE_SIZE:
                self._ocsp_cache.clear()
            self._ocsp_cache[key] = (revocation, now, der)
        return der

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        """Return the current issuing chain (intermediate, root)."""
        return (self.issuing, self.root)

    def chain_for(self, cert: x509.Certificate) -> tuple[x509.Certificate, ...]:
        """Return the chain of a certificate this CA issued (whatever its generation)."""
        issuer = self.issuer_of(cert)
        return (issuer.certificate, self.root) if issuer is not None else self.chain

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
            builder = builder.add_extension(_distribution_point(self.crl_url), False)
        if self.ocsp_url:
            ocsp_access = x509.AccessDescription(
                AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(self.ocsp_url)
            )
            builder = builder.add_extension(x509.AuthorityInformationAccess([ocsp_access]), False)
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
    "OCSP_PATH",
    "ORG_ID_PREFIX",
    "ROOT_CRL_PATH",
    "CertificateAuthority",
    "IssuedCredential",
    "IssuingCa",
    "PrivateKey",
    "PublicKey",
    "Revocation",
    "cert_pem",
    "crl_path",
    "decrypt_key",
    "encrypt_key",
]
