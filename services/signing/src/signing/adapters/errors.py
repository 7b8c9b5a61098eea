"""The signing service's adapter errors: the PAdES engine's, and the firm key sources' own."""

from __future__ import annotations

from pades.errors import (
    AdapterError,
    CaError,
    PdfError,
    PlacementError,
    SealError,
    SigningFailed,
    TimestampUnavailable,
)

__all__ = [
    "AdapterError",
    "CaError",
    "KeySourceError",
    "KeySourceUnavailable",
    "PdfError",
    "PlacementError",
    "SealError",
    "SigningFailed",
    "TimestampUnavailable",
]


class KeySourceError(AdapterError):
    """A firm key source (generated, PKCS#12, PKCS#11) cannot provide a signer.

    Raised as such, it needs an operator (a setting, a PIN, the token's contents).
    """

    code = "firm_key_unavailable"


class KeySourceUnavailable(KeySourceError):
    """The firm's token cannot be reached right now (removed, module or device failure)."""

    status_code = 503
