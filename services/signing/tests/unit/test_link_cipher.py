"""Invitation links kept at rest: rows written before the keyring was split still decrypt."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet
from signing.adapters.link_cipher import LinkCipher

PASSPHRASE = b"change-me-in-production"
LINK = "https://lexseal.example/sign/abc"


def test_a_link_encrypted_under_the_passphrase_derived_key_decrypts() -> None:
    # the key as it has always been derived: sha256("lexseal-invitation-links:" + passphrase)
    key = hashlib.sha256(b"lexseal-invitation-links:" + PASSPHRASE).digest()
    stored = Fernet(base64.urlsafe_b64encode(key)).encrypt(LINK.encode()).decode()
    cipher = LinkCipher(PASSPHRASE)
    assert cipher.decrypt(stored) == LINK
    again = cipher.encrypt(LINK)
    assert again != LINK and Fernet(base64.urlsafe_b64encode(key)).decrypt(again) == LINK.encode()
    assert LinkCipher(b"another passphrase").encrypt(LINK) != again
