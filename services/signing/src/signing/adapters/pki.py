"""The internal CA and the timestamper: what every signature chains to and the revocation
data it embeds."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from lexseal_ca.key_vault import persisted_tsa
from lexseal_ca.pki import CertificateAuthority
from pades.ltv import issued_by, to_crypto, validation_context
from pades.signer import own_signer
from pades.tsa import LexsealTimeStamper, make_timestamper, own_timestamper
from pyhanko.sign.signers import Signer
from pyhanko.sign.timestamps import TimeStamper
from pyhanko_certvalidator import ValidationContext

from ..config import Settings


@dataclass
class Pki:
    """The CA, the timestamper (the in-process TSA or an external one) and the passphrase that
    encrypts the private keys kept at rest (each verified signer's, on their row)."""

    ca: CertificateAuthority
    timestamper: TimeStamper
    passphrase: bytes

    def tsa_certificate(self) -> x509.Certificate | None:
        """Return the in-process TSA's certificate (None with an external TSA)."""
        ts = own_timestamper(self.timestamper)
        return to_crypto(ts.tsa_cert) if isinstance(ts, LexsealTimeStamper) else None

    def archive_context(self) -> ValidationContext | None:
        """Return the TSA's validation data to add after a document timestamp (PAdES B-LTA).

        None with an external TSA: its revocation data would need a network fetch.
        """
        tsa = self.tsa_certificate()
        return validation_context(self.ca, certs=[tsa]) if tsa is not None else None

    def ltv_context(self, signer: Signer) -> ValidationContext | None:
        """Return the revocation data to embed with ``signer``'s signature (PAdES B-LT).

        Only chains the CA can vouch for offline get it: a certificate from another CA (a
        PKCS#12 firm key) or an external TSA would need a network fetch, which signing never does.
        """
        cert = own_signer(signer).signing_cert  # never read the shared signer's ASN.1 objects
        if cert is None or not issued_by(self.ca, cert):
            return None
        tsa = self.tsa_certificate()
        if tsa is None:
            return None
        return validation_context(self.ca, certs=[to_crypto(cert), tsa])


def open_ca(settings: Settings) -> CertificateAuthority:
    """Open the internal CA under the data directory, creating it on first use."""
    return CertificateAuthority.open(
        settings.ca_dir,
        passphrase=settings.key_passphrase.encode(),
        organization=settings.firm_name,
        base_url=settings.public_base_url,
    )


def open_pki(settings: Settings) -> Pki:
    """Open (or create) the CA and the deployment's TSA key, unless an external TSA is set
    (blocking: run it under the deployment's key lock)."""
    passphrase = settings.key_passphrase.encode()
    ca = open_ca(settings)
    tsa_credential = None
    if not settings.tsa_url:
        tsa_credential = persisted_tsa(
            ca=ca,
            directory=settings.pki_dir / "tsa",
            passphrase=passphrase,
            name=settings.firm_name,
        )
    timestamper = make_timestamper(
        url=settings.tsa_url, credential=tsa_credential, timeout=settings.tsa_timeout
    )
    return Pki(ca=ca, timestamper=timestamper, passphrase=passphrase)
