"""The signing machinery a running service holds: CA, firm key, TSA, seals, engine, providers."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.fernet import Fernet
from lexseal_ca.firm_keys import FirmKeySource, GeneratedFirmKey, Pkcs12FirmKey
from lexseal_ca.firm_keys_pkcs11 import Pkcs11FirmKey
from lexseal_ca.firm_token import FirmToken
from lexseal_ca.key_vault import persisted_tsa
from lexseal_ca.pki import CertificateAuthority, IssuedCredential
from pades.ltv import issued_by, to_crypto, validation_context
from pades.pdf import PdfSigningEngine
from pades.seals import SealRenderer
from pades.signer import own_signer
from pades.tsa import LexsealTimeStamper, make_timestamper, own_timestamper
from pyhanko.sign.signers import Signer
from pyhanko.sign.timestamps import TimeStamper
from pyhanko_certvalidator import ValidationContext

from ..config import Settings
from .errors import KeySourceError
from .providers import (
    BankTransferProvider,
    FaceSessionProvider,
    HttpBankTransfer,
    HttpFaceSessions,
    SandboxBankTransfer,
    SandboxFaceSessions,
)


@dataclass
class Keyring:
    """Everything that touches keys and external checks, built once per process."""

    ca: CertificateAuthority
    firm_key: FirmKeySource
    timestamper: TimeStamper
    seals: SealRenderer
    engine: PdfSigningEngine
    firm_seal_png: bytes
    # the hosted (H5) face check: sessions at the provider, results by signed callback
    face: FaceSessionProvider
    bank: BankTransferProvider
    passphrase: bytes

    def firm_signer(self) -> Signer:
        """Return the firm's signer (loading its key on first use)."""
        return self.firm_key.signer()

    def close(self) -> None:
        """Release the firm key's token session, if it has one."""
        self.firm_key.close()

    def trust_roots(self) -> list[bytes]:
        """Return the roots a lexseal signature chains to."""
        return [self.ca.root_pem()]

    def _fernet(self) -> Fernet:
        key = hashlib.sha256(b"lexseal-invitation-links:" + self.passphrase).digest()
        return Fernet(base64.urlsafe_b64encode(key))

    def encrypt(self, text: str) -> str:
        """Encrypt a secret kept at rest (an invitation link for the lawyer to show again)."""
        return self._fernet().encrypt(text.encode()).decode()

    def decrypt(self, token: str) -> str:
        """Decrypt what `encrypt` returned."""
        return self._fernet().decrypt(token.encode()).decode()

    def signer_for(self, credential: IssuedCredential) -> Signer:
        """Return a (cached) signer for a signer's credential."""
        return self.engine.signer_for(credential)

    def own_certificates(self) -> list[tuple[x509.Certificate, Literal["firm", "tsa"]]]:
        """Return the firm's and the TSA's current certificates that the internal CA issued."""
        found: list[tuple[x509.Certificate, Literal["firm", "tsa"]]] = []
        firm = own_signer(self.firm_signer()).signing_cert
        if firm is not None and issued_by(self.ca, firm):
            found.append((to_crypto(firm), "firm"))
        tsa = self.tsa_certificate()
        if tsa is not None:
            found.append((tsa, "tsa"))
        return found

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


def _firm_key(settings: Settings, ca: CertificateAuthority, passphrase: bytes) -> FirmKeySource:
    if settings.firm_key_source == "pkcs12":
        if settings.firm_pkcs12_path is None:
            raise ValueError("SIGNING_FIRM_PKCS12_PATH is required for the pkcs12 firm key source")
        pw = settings.firm_pkcs12_passphrase
        return Pkcs12FirmKey(path=settings.firm_pkcs12_path, passphrase=pw.encode() if pw else None)
    if settings.firm_key_source == "pkcs11":
        return _pkcs11_firm_key(settings, ca)
    return GeneratedFirmKey(
        ca=ca,
        directory=settings.pki_dir / "firm",
        passphrase=passphrase,
        firm_name=settings.firm_name,
        credit_code=settings.firm_credit_code,
    )


_PIN = "SIGNING_FIRM_PKCS11_PIN or SIGNING_FIRM_PKCS11_PIN_FILE"
_KEY = "SIGNING_FIRM_PKCS11_KEY_LABEL / SIGNING_FIRM_PKCS11_KEY_ID"
# Which setting to look at for each PKCS#11 failure (FirmToken appends it to the message).
_PKCS11_HINTS = {
    "pkcs11_module_unloadable": "SIGNING_FIRM_PKCS11_LIB",
    "pkcs11_token_not_found": "SIGNING_FIRM_PKCS11_TOKEN_LABEL",
    "pkcs11_pin_required": _PIN,
    "pkcs11_pin_incorrect": _PIN,
    "pkcs11_pin_file_unreadable": "SIGNING_FIRM_PKCS11_PIN_FILE",
    "pkcs11_key_not_found": _KEY,
    "pkcs11_key_unsupported": _KEY,
    "pkcs11_certificate_not_found": (
        "SIGNING_FIRM_PKCS11_CERT_LABEL / SIGNING_FIRM_PKCS11_CHAIN_LABELS"
    ),
    "pkcs11_key_certificate_mismatch": f"SIGNING_FIRM_PKCS11_CERT_LABEL / {_KEY}",
    "pkcs11_public_key_not_found": _KEY,
    "firm_token_certificate_exists": f"SIGNING_FIRM_PKCS11_CERT_LABEL / {_KEY}",
}


def firm_token(settings: Settings) -> FirmToken:
    """Return the firm's token as the PKCS#11 settings name it."""
    if problem := settings.pkcs11_problem():
        raise KeySourceError(problem, code="pkcs11_settings_incomplete")
    assert settings.firm_pkcs11_lib is not None  # pkcs11_problem() names it otherwise
    pin = settings.firm_pkcs11_pin
    return FirmToken(
        lib_location=settings.firm_pkcs11_lib,
        token_label=settings.firm_pkcs11_token_label,
        key_label=settings.firm_pkcs11_key_label,
        key_id=bytes.fromhex(settings.firm_pkcs11_key_id) if settings.firm_pkcs11_key_id else None,
        user_pin=pin.get_secret_value() if pin is not None else None,
        pin_file=settings.firm_pkcs11_pin_file,
        hints=_PKCS11_HINTS,
    )


def _pkcs11_firm_key(settings: Settings, ca: CertificateAuthority) -> Pkcs11FirmKey:
    key = Pkcs11FirmKey(
        token=firm_token(settings),
        cert_label=settings.firm_pkcs11_cert_label,
        other_cert_labels=settings.firm_pkcs11_chain_labels,
        # every issuing CA, newest first, then the root: the token's certificate may predate
        # a key rollover
        issuer_chain=(*(g.certificate for g in reversed(ca.generations)), ca.root),
    )
    # Log in and sign a probe now: a wrong PIN, label or certificate stops the start-up
    # instead of surfacing at the first firm signature.
    key.signer()
    return key


def _face(settings: Settings, passphrase: bytes) -> FaceSessionProvider:
    if settings.face_provider == "http":
        if not settings.face_provider_url:
            raise ValueError("SIGNING_FACE_PROVIDER_URL is required for the http face provider")
        if settings.face_callback_secret is None:
            raise ValueError(
                "SIGNING_FACE_CALLBACK_SECRET is required for the http face provider: its"
                " callbacks are accepted only when signed with it"
            )
        return HttpFaceSessions(
            url=settings.face_provider_url,
            secret=settings.face_callback_secret.get_secret_value().encode(),
            token=settings.provider_token,
            timeout=settings.provider_timeout,
        )
    secret = hashlib.sha256(b"lexseal-sandbox-face-callback:" + passphrase).digest()
    return SandboxFaceSessions(public_base_url=settings.public_base_url, secret=secret)


def _bank(settings: Settings) -> BankTransferProvider:
    if settings.bank_provider == "http":
        if not settings.bank_provider_url:
            raise ValueError("SIGNING_BANK_PROVIDER_URL is required for the http bank provider")
        return HttpBankTransfer(
            url=settings.bank_provider_url,
            token=settings.provider_token,
            timeout=settings.provider_timeout,
        )
    return SandboxBankTransfer()


def _firm_seal(settings: Settings, seals: SealRenderer) -> bytes:
    path: Path | None = settings.firm_seal_path
    if path is not None:
        return path.read_bytes()
    return seals.firm(settings.firm_name)


def open_ca(settings: Settings) -> CertificateAuthority:
    """Open the internal CA under the data directory, creating it on first use."""
    return CertificateAuthority.open(
        settings.ca_dir,
        passphrase=settings.key_passphrase.encode(),
        organization=settings.firm_name,
        base_url=settings.public_base_url,
    )


def build_keyring(settings: Settings) -> Keyring:
    """Open (or create) the CA and wire the firm key, TSA, seals and providers (blocking)."""
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
    seals = SealRenderer()
    firm_seal_png, bank = _firm_seal(settings, seals), _bank(settings)
    face = _face(settings, passphrase)
    firm_key = _firm_key(settings, ca, passphrase)  # last: nothing after it can fail
    if isinstance(firm_key, GeneratedFirmKey):
        # Issue (or renew) the firm certificate now, under the deployment's key lock,
        # not at the first seal in whichever replica gets it.
        firm_key.signer()
    return Keyring(
        ca=ca,
        firm_key=firm_key,
        timestamper=timestamper,
        seals=seals,
        engine=PdfSigningEngine(),
        firm_seal_png=firm_seal_png,
        face=face,
        bank=bank,
        passphrase=passphrase,
    )
