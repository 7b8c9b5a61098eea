"""The firm key sources' own errors; the CA raises the PAdES engine's CaError."""

from __future__ import annotations

from pades.errors import AdapterError, CaError

__all__ = ["CaError", "KeySourceError", "KeySourceUnavailable"]


class KeySourceError(AdapterError):
    """A firm key source (generated, PKCS#12, PKCS#11) cannot provide a signer.

    Raised as such, it needs an operator (a setting, a PIN, the token's contents).
    """

    code = "firm_key_unavailable"


class KeySourceUnavailable(KeySourceError):
    """The firm's token cannot be reached right now (removed, module or device failure)."""

    status_code = 503
