"""Revocation data the internal CA signs: CRLs (RFC 5280) and OCSP responses (RFC 6960).

Both are built with ``cryptography``'s builders; nothing here holds state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from pades.credentials import PrivateKey

# The reasons an operator gives, and the RFC 5280 CRLReason each becomes.
# "The identity was later found false" withdraws what the certificate vouched for:
# privilegeWithdrawn, as the CA/Browser Forum uses it for inaccurate subscriber information.
REASONS: dict[str, x509.ReasonFlags] = {
    "identity_false": x509.ReasonFlags.privilege_withdrawn,
    "key_compromise": x509.ReasonFlags.key_compromise,
    "superseded": x509.ReasonFlags.superseded,
}
# A CRL is valid for a week and reissued daily (or at once on a revocation).
CRL_VALIDITY = dt.timedelta(days=7)
CRL_REFRESH = dt.timedelta(days=1)
# An OCSP response is good for a day; validators ask again after that.
OCSP_VALIDITY = dt.timedelta(days=1)
_SKEW = dt.timedelta(minutes=5)  # tolerate small clock skew at the verifier


def now() -> dt.datetime:
    """Return the current time (UTC)."""
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Revocation:
    """One revoked certificate, as its issuing CA lists it."""

    serial: int
    revoked_at: dt.datetime
    reason: str  # a key of REASONS
    # when the key was (or may have been) compromised, if earlier than the revocation
    invalidity_date: dt.datetime | None = None

    @property
    def effective_from(self) -> dt.datetime:
        """Return from when signatures by this certificate are no longer trusted."""
        if self.invalidity_date is not None and self.invalidity_date < self.revoked_at:
            return self.invalidity_date
        return self.revoked_at


def issue_crl(
    issuer: x509.Name, key: PrivateKey, revoked: Iterable[Revocation]
) -> x509.CertificateRevocationList:
    """Sign a CRL listing ``revoked``, valid for ``CRL_VALIDITY``."""
    this_update = now() - _SKEW
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer)
        .last_update(this_update)
        .next_update(this_update + CRL_VALIDITY)
        # A monotonically increasing number without shared state between replicas.
        .add_extension(x509.CRLNumber(int(this_update.timestamp() * 1000)), False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), False)
    )
    for r in sorted(revoked, key=lambda r: r.serial):
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(r.serial)
            .revocation_date(r.revoked_at)
            .add_extension(x509.CRLReason(REASONS[r.reason]), False)
        )
        if r.invalidity_date is not None:
            entry = entry.add_extension(x509.InvalidityDate(_naive(r.invalidity_date)), False)
        builder = builder.add_revoked_certificate(entry.build())
    return builder.sign(key, hashes.SHA256())


def crl_due(crl: x509.CertificateRevocationList) -> bool:
    """Tell whether a CRL is old enough to be reissued."""
    return now() >= crl.last_update_utc + CRL_REFRESH


def _naive(moment: dt.datetime) -> dt.datetime:
    # cryptography's InvalidityDate takes a naive UTC datetime
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def ocsp_response(
    *,
    cert: x509.Certificate | None,
    serial: int,
    issuer: x509.Certificate,
    responder: x509.Certificate,
    responder_key: PrivateKey,
    revocation: Revocation | None,
    known: bool,
    nonce: bytes | None = None,
    algorithm: hashes.HashAlgorithm | None = None,
) -> ocsp.OCSPResponse:
    """Sign a response on one certificate's status, by ``responder``.

    ``responder`` is the issuing CA's delegated responder (it travels in the response so a
    validator can check it), or the issuing CA itself. ``known`` False (the CA never issued
    the serial) answers ``unknown``; ``cert`` may be None then, or when only the serial is
    known, and the CertID is built from the serial.
    """
    # The CertID hash: the request's, else SHA-1, which every client sends (RFC 5019).
    algorithm = algorithm or hashes.SHA1()  # noqa: S303 - an identifier, not a signature
    this_update = now() - _SKEW
    if revocation is not None:
        status, revoked_at, reason = (
            ocsp.OCSPCertStatus.REVOKED,
            _naive(revocation.revoked_at),
            REASONS[revocation.reason],
        )
    else:
        status = ocsp.OCSPCertStatus.GOOD if known else ocsp.OCSPCertStatus.UNKNOWN
        revoked_at, reason = None, None
    builder = ocsp.OCSPResponseBuilder()
    if cert is not None:
        builder = builder.add_response(
            cert=cert,
            issuer=issuer,
            algorithm=algorithm,
            cert_status=status,
            this_update=_naive(this_update),
            next_update=_naive(this_update + OCSP_VALIDITY),
            revocation_time=revoked_at,
            revocation_reason=reason,
        )
    else:
        builder = builder.add_response_by_hash(
            issuer_name_hash=name_hash(issuer, algorithm),
            issuer_key_hash=key_hash(issuer, algorithm),
            serial_number=serial,
            algorithm=algorithm,
            cert_status=status,
            this_update=_naive(this_update),
            next_update=_naive(this_update + OCSP_VALIDITY),
            revocation_time=revoked_at,
            revocation_reason=reason,
        )
    builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, responder)
    if responder != issuer:
        builder = builder.certificates([responder])
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.sign(responder_key, hashes.SHA256())


def key_hash(cert: x509.Certificate, algorithm: hashes.HashAlgorithm | None = None) -> bytes:
    """Return the hash of a CA certificate's public key bits, as an OCSP CertID holds it."""
    digest = hashes.Hash(algorithm or hashes.SHA1())  # noqa: S303 - CertID (RFC 5019)
    digest.update(_public_key_bits(cert))
    return digest.finalize()


def name_hash(cert: x509.Certificate, algorithm: hashes.HashAlgorithm | None = None) -> bytes:
    """Return the hash of a CA certificate's subject, as an OCSP CertID holds it."""
    digest = hashes.Hash(algorithm or hashes.SHA1())  # noqa: S303 - CertID (RFC 5019)
    digest.update(cert.subject.public_bytes())
    return digest.finalize()


def _public_key_bits(cert: x509.Certificate) -> bytes:
    der = cert.public_bytes(serialization.Encoding.DER)
    spki = asn1_x509.Certificate.load(der)["tbs_certificate"]["subject_public_key_info"]
    bits: bytes = spki["public_key"].contents[1:]  # past the BIT STRING's unused-bits byte
    return bits


def malformed() -> bytes:
    """Return the DER of an OCSP 'malformedRequest' answer."""
    response = ocsp.OCSPResponseBuilder.build_unsuccessful(
        ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    )
    return response.public_bytes(serialization.Encoding.DER)


def unauthorized() -> bytes:
    """Return the DER of an OCSP 'unauthorized' answer (a CA this responder does not serve)."""
    response = ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
    return response.public_bytes(serialization.Encoding.DER)
