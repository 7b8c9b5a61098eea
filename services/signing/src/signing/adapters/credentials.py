"""Keys and issued credentials: the PAdES engine's (pades.credentials), named here for the CA."""

from __future__ import annotations

from pades.credentials import (
    IssuedCredential,
    PrivateKey,
    PublicKey,
    cert_pem,
    decrypt_key,
    encrypt_key,
    new_ec_key,
    new_rsa_key,
)

__all__ = [
    "IssuedCredential",
    "PrivateKey",
    "PublicKey",
    "cert_pem",
    "decrypt_key",
    "encrypt_key",
    "new_ec_key",
    "new_rsa_key",
]
