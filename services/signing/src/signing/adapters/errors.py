"""The signing service's adapter errors: the PAdES engine's and the key sources' (lexseal_ca)."""

from __future__ import annotations

from lexseal_ca.errors import KeySourceError, KeySourceUnavailable
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
