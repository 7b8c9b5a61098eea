"""The firm's key on an HSM or smart card, used through pyHanko's PKCS#11 support."""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from asn1crypto import algos
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from pades.signer import PerSignatureSigner, to_asn1
from pyhanko.sign.signers import Signer
from pyhanko_certvalidator.registry import SimpleCertificateStore

from .firm_token import FirmToken, close_quietly, describe, is_pkcs11_error, signature_mechanism

if TYPE_CHECKING:
    from pkcs11 import Session
    from pyhanko.sign.pkcs11 import PKCS11Signer

log = logging.getLogger("signing.firm_key")


@dataclass
class Pkcs11FirmKey:
    """A key held in an HSM or smart card (``token``), used through pyHanko's PKCS11Signer.

    The token holds the private key and the firm's certificate (by default the certificate
    with the key's label and ID). ``issuer_chain`` (the internal CA's) is embedded when it
    issued that certificate; ``other_cert_labels`` pull another CA's chain from the token.
    ``signer()`` logs in and signs a probe, so a wrong PIN, label or certificate fails on
    first use (the signing service calls it at start-up). A session the token drops later (restart,
    removal, timeout) is reopened once, inside the next signature.
    """

    token: FirmToken
    cert_label: str | None = None
    other_cert_labels: tuple[str, ...] = ()
    issuer_chain: tuple[x509.Certificate, ...] = ()
    _signer: TokenSigner | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def signer(self) -> Signer:
        """Open the token session once and return a signer bound to it."""
        with self._lock:
            if self._signer is None:
                inner, mechanism = self._connect()
                self._signer = TokenSigner(source=self, inner=inner, mechanism=mechanism)
            return self._signer

    def close(self) -> None:
        """Log out and close the token session."""
        with self._lock:
            if self._signer is not None:
                close_quietly(self._signer.inner.pkcs11_session)
                self._signer = None

    def reopen(self, broken: PKCS11Signer) -> PKCS11Signer:
        """Replace a session the token dropped (unless another thread already did)."""
        with self._lock:
            current = self._signer
            if current is None:
                raise self.token.error("the PKCS#11 firm key was closed", "pkcs11_closed")
            if current.inner is not broken:
                return current.inner
            close_quietly(broken.pkcs11_session)
            inner, _ = self._connect()
            if inner.signing_cert.dump() != current.certificate_der:
                close_quietly(inner.pkcs11_session)
                raise self.token.error(
                    "the certificate on the token changed while the service ran; restart it",
                    "pkcs11_certificate_changed",
                )
            current.inner = inner
            log.info("PKCS#11 session to token %r reopened", self.token.token_label)
            return inner

    def _connect(self) -> tuple[PKCS11Signer, algos.SignedDigestAlgorithm]:
        session = self.token.open_session()
        try:
            with self.token.failures_as_unusable("reading the key and certificate"):
                return self._bind(session)
        except BaseException:
            close_quietly(session)
            raise

    def _bind(self, session: Session) -> tuple[PKCS11Signer, algos.SignedDigestAlgorithm]:
        from pkcs11.exceptions import PKCS11Error
        from pyhanko.sign.pkcs11 import PKCS11Signer

        key = self.token.private_key(session)
        mechanism, raw = signature_mechanism(key)
        inner = PKCS11Signer(
            session,
            key_label=self.token.key_label,
            key_id=self.token.key_id,
            cert_label=self.cert_label,
            other_certs_to_pull=self.other_cert_labels,
            use_raw_mechanism=raw,
            signature_mechanism=mechanism,
            embed_roots=True,
        )
        try:
            certificate = x509.load_der_x509_certificate(inner.signing_cert.dump())
        except PKCS11Error as exc:
            # pyHanko reports "none" or "several" as a bare PKCS11Error; a subclass is the
            # module or device failing (and becomes pkcs11_unusable on the way out).
            if type(exc) is not PKCS11Error:
                raise
            raise self.token.error(
                f"token {self.token.token_label!r} holds no single certificate for the key",
                "pkcs11_certificate_not_found",
                cause=exc,
            ) from exc
        holder = f"the certificate {certificate.subject.rfc4514_string()}"
        self.token.probe(key, certificate.public_key(), holder=holder)
        issuers = _issuers_of(certificate, self.issuer_chain)
        inner.cert_registry.register_multiple(to_asn1(c) for c in issuers)
        return inner, mechanism


class TokenSigner(PerSignatureSigner):
    """The firm's signer on a token: pyHanko's PKCS11Signer, reopened once if the token drops it."""

    def __init__(
        self,
        *,
        source: Pkcs11FirmKey,
        inner: PKCS11Signer,
        mechanism: algos.SignedDigestAlgorithm,
    ) -> None:
        # Built under the source's lock, before any signature: read the token's objects once
        # and keep their DER, from which each signature parses its own (see ``signer``).
        self.certificate_der: bytes = inner.signing_cert.dump()
        self.registry_der = tuple(c.dump() for c in inner.cert_registry)
        self.mechanism_der: bytes = mechanism.dump()
        super().__init__(
            signing_cert=asn1_x509.Certificate.load(self.certificate_der),
            cert_registry=_registry(self.registry_der),
            signature_mechanism=algos.SignedDigestAlgorithm.load(self.mechanism_der),
            embed_roots=True,
        )
        self.source, self.inner = source, inner

    def for_one_signature(self) -> Signer:
        """Return a signer for one signature: its own certificates, this token's session."""
        return _OneTokenSignature(self)

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        """Sign ``data`` on the token; a dropped session is reopened and the signature retried."""
        inner = self.inner
        try:
            return await inner.async_sign_raw(data, digest_algorithm, dry_run)
        except Exception as exc:
            if not is_pkcs11_error(exc):
                raise
            log.warning("PKCS#11 signature failed (%s); reopening the session", describe(exc))
        # Blocking (login, object search): off this event loop.
        inner = await asyncio.to_thread(self.source.reopen, inner)
        try:
            return await inner.async_sign_raw(data, digest_algorithm, dry_run)
        except Exception as exc:
            if not is_pkcs11_error(exc):
                raise
            token = self.source.token
            raise token.error(
                f"token {token.token_label!r} failed to sign", "pkcs11_sign_failed", cause=exc
            ) from exc


class _OneTokenSignature(Signer):
    """One signature's view of a TokenSigner: private ASN.1 objects, the shared token session.

    python-pkcs11 serialises the operations on one session, so concurrent signatures may share it.
    """

    def __init__(self, token_signer: TokenSigner) -> None:
        super().__init__(
            signing_cert=asn1_x509.Certificate.load(token_signer.certificate_der),
            cert_registry=_registry(token_signer.registry_der),
            signature_mechanism=algos.SignedDigestAlgorithm.load(token_signer.mechanism_der),
            embed_roots=True,
        )
        self._token_signer = token_signer

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        """Sign ``data`` on the token (reopening a dropped session, as TokenSigner does)."""
        return await self._token_signer.async_sign_raw(data, digest_algorithm, dry_run)


def _registry(ders: tuple[bytes, ...]) -> SimpleCertificateStore:
    registry = SimpleCertificateStore()  # type: ignore[no-untyped-call]
    registry.register_multiple(asn1_x509.Certificate.load(der) for der in ders)
    return registry


def _issuers_of(
    certificate: x509.Certificate, chain: tuple[x509.Certificate, ...]
) -> tuple[x509.Certificate, ...]:
    """Return the CA certificate in ``chain`` that issued ``certificate``, with the one above it.

    ``chain`` may list several issuing CAs (every generation of the internal CA, then its
    root): a token certificate from before a key rollover still gets its own chain.
    """
    for issuer in chain:
        try:
            certificate.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            continue
        above = tuple(c for c in chain if c is not issuer and c.subject == issuer.issuer)
        return (issuer, *above[:1])
    return ()
