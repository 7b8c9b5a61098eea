"""Key material and issued credentials: generation, encryption at rest, PEM round trips."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from .errors import CaError

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey


def new_ec_key() -> ec.EllipticCurvePrivateKey:
    """Generate an ECDSA P-256 key."""
    return ec.generate_private_key(ec.SECP256R1())


def new_rsa_key() -> rsa.RSAPrivateKey:
    """Generate an RSA-2048 key (for consumers that only speak RSA, like the TSA)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def encrypt_key(key: PrivateKey, passphrase: bytes) -> bytes:
    """Serialise a private key as passphrase-encrypted PKCS#8 PEM."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )


def decrypt_key(pem: bytes, passphrase: bytes) -> PrivateKey:
    """Load a passphrase-encrypted PKCS#8 PEM private key."""
    try:
        key = serialization.load_pem_private_key(pem, password=passphrase)
    except (ValueError, TypeError) as exc:
        raise CaError(
            "cannot decrypt private key (wrong passphrase?)", code="key_passphrase_invalid"
        ) from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise CaError("unsupported private key type", code="key_type_unsupported")
    return key


def cert_pem(cert: x509.Certificate) -> bytes:
    """Serialise a certificate as PEM."""
    return cert.public_bytes(serialization.Encoding.PEM)


# ETSI EN 319 412-1 semantics identifier prefix for a national trade register number: an
# organisation's certificate names its unified social credit code as NTRCN-<code>.
ORG_ID_PREFIX = "NTRCN-"


@dataclass(frozen=True)
class IssuedCredential:
    """A certificate, its private key and the chain up to (and including) the root."""

    certificate: x509.Certificate
    private_key: PrivateKey
    chain: tuple[x509.Certificate, ...]

    def certificate_pem(self) -> bytes:
        """Return the certificate as PEM."""
        return cert_pem(self.certificate)

    def private_key_pem(self, passphrase: bytes) -> bytes:
        """Return the private key as encrypted PKCS#8 PEM."""
        return encrypt_key(self.private_key, passphrase)

    def chain_pem(self) -> bytes:
        """Return the issuing chain as concatenated PEM."""
        return b"".join(cert_pem(c) for c in self.chain)

    @classmethod
    def from_pem(
        cls, *, certificate_pem: bytes, private_key_pem: bytes, chain_pem: bytes, passphrase: bytes
    ) -> IssuedCredential:
        """Load a credential stored with ``certificate_pem``/``private_key_pem``/``chain_pem``."""
        return cls(
            certificate=x509.load_pem_x509_certificate(certificate_pem),
            private_key=decrypt_key(private_key_pem, passphrase),
            chain=tuple(x509.load_pem_x509_certificates(chain_pem)) if chain_pem else (),
        )
