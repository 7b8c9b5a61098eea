"""The key that encrypts invitation links at rest, for the lawyer to show them again."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet


class LinkCipher:
    """Fernet under a key derived from the deployment's passphrase (rows already stored
    decrypt as long as the passphrase stays the same)."""

    def __init__(self, passphrase: bytes) -> None:
        key = hashlib.sha256(b"lexseal-invitation-links:" + passphrase).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def encrypt(self, link: str) -> str:
        """Encrypt a link to keep at rest."""
        return self._fernet.encrypt(link.encode()).decode()

    def decrypt(self, token: str) -> str:
        """Decrypt what `encrypt` returned."""
        return self._fernet.decrypt(token.encode()).decode()
