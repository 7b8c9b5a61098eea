"""The face-check and bank-transfer providers the settings choose (sandbox by default)."""

from __future__ import annotations

import hashlib

from servicekit.blobs import BlobStore

from ...config import Settings
from .base import BankTransferProvider
from .face_h5 import FaceSessionProvider, HttpFaceSessions, SandboxFaceSessions
from .http import HttpBankTransfer
from .sandbox import SandboxBankTransfer


def face_provider(settings: Settings) -> FaceSessionProvider:
    """Return the hosted (H5) face check: sessions at the provider, results by signed callback."""
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
    passphrase = settings.key_passphrase.encode()
    secret = hashlib.sha256(b"lexseal-sandbox-face-callback:" + passphrase).digest()
    return SandboxFaceSessions(public_base_url=settings.public_base_url, secret=secret)


def bank_provider(settings: Settings, blobs: BlobStore) -> BankTransferProvider:
    """Return the bank that sends micro-deposits; the sandbox keeps what it pretended to send
    in ``blobs``, so the operator view shows every replica's transfers."""
    if settings.bank_provider == "http":
        if not settings.bank_provider_url:
            raise ValueError("SIGNING_BANK_PROVIDER_URL is required for the http bank provider")
        return HttpBankTransfer(
            url=settings.bank_provider_url,
            token=settings.provider_token,
            timeout=settings.provider_timeout,
        )
    return SandboxBankTransfer(blobs=blobs)
