"""pyHanko signers that keep their key loaded and give each signature its own ASN.1 objects.

asn1crypto objects are not safe to share between threads: they parse lazily and re-encode
themselves when read (``dump()`` resets and rebuilds cached headers and contents). Two
signatures reading the same certificate object at once corrupt each other (``TypeError: can't
concat NoneType to bytes``, a wrong issuer, a chain that no longer builds). So a long-lived
signer keeps only immutable things (the key, DER bytes) and hands each signature a copy with
freshly parsed certificates: ``for_one_signature()``.
"""

from __future__ import annotations

from collections.abc import Iterable

from asn1crypto import algos
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.sign.signers import Signer
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from .credentials import IssuedCredential, PrivateKey


def to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    """Convert a ``cryptography`` certificate to the asn1crypto form pyHanko uses."""
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


class PerSignatureSigner(Signer):
    """A signer shared between concurrent signatures, each of which works on its own copy."""

    def for_one_signature(self) -> Signer:
        """Return a signer with the same key and ASN.1 objects no other signature touches."""
        raise NotImplementedError


def own_signer(signer: Signer) -> Signer:
    """Return ``signer``'s copy for one signature; refuse a signer that cannot make one."""
    if not isinstance(signer, PerSignatureSigner):
        raise TypeError(f"{type(signer).__name__} shares its ASN.1 objects between signatures")
    return signer.for_one_signature()


class CachedKeySigner(PerSignatureSigner):
    """Sign with an in-memory key object.

    pyHanko's ``SimpleSigner`` re-parses the DER key on every signature; keeping the
    parsed key object is a large part of the per-signature saving.
    """

    def __init__(
        self,
        *,
        certificate: x509.Certificate,
        private_key: PrivateKey,
        chain: Iterable[x509.Certificate] = (),
    ) -> None:
        chain = tuple(chain)
        registry = SimpleCertificateStore()  # type: ignore[no-untyped-call]
        registry.register_multiple(to_asn1(c) for c in chain)
        # Fixed mechanism: no per-signature guessing from the public key.
        mechanism = (
            "sha256_ecdsa" if isinstance(private_key, ec.EllipticCurvePrivateKey) else "sha256_rsa"
        )
        super().__init__(
            signing_cert=to_asn1(certificate),
            cert_registry=registry,
            signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": mechanism}),
            embed_roots=True,
        )
        self._key = private_key
        self._chain = chain
        self.certificate = certificate

    def for_one_signature(self) -> CachedKeySigner:
        """Return a signer with the same loaded key and its own parsed certificates."""
        # cryptography's key and certificate objects are immutable and thread-safe.
        return CachedKeySigner(
            certificate=self.certificate, private_key=self._key, chain=self._chain
        )

    @classmethod
    def from_credential(cls, credential: IssuedCredential) -> CachedKeySigner:
        """Build a signer from a CA-issued credential."""
        return cls(
            certificate=credential.certificate,
            private_key=credential.private_key,
            chain=credential.chain,
        )

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        """Sign ``data`` with the cached key."""
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        if isinstance(self._key, ec.EllipticCurvePrivateKey):
            return self._key.sign(data, ec.ECDSA(hash_algo))
        assert isinstance(self._key, rsa.RSAPrivateKey)
        return self._key.sign(data, padding.PKCS1v15(), hash_algo)
