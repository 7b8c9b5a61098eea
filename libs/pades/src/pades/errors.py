"""Exceptions the PAdES engine raises; each carries a stable ``code`` and an HTTP status."""

from __future__ import annotations


class AdapterError(Exception):
    """Base class: a failure a service can map to an error response.

    ``status_code`` is the HTTP status the failure answers with when nothing more specific
    applies: 500 for what retrying cannot fix, 503 for a condition that may pass.
    """

    code: str = "signing_adapter_error"  # the code callers have always seen
    status_code: int = 500

    def __init__(self, message: str, *, code: str | None = None, detail: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        # the underlying library's own words (an OS error, a PKCS#11 return value): for the
        # service's log only, never in `message`, which operators and callers are shown
        self.detail = detail

    @property
    def message(self) -> str:
        """Return the human-readable message."""
        return str(self.args[0]) if self.args else self.code


class CaError(AdapterError):
    """A key or certificate cannot be created, loaded or used (the CA's, a signer's)."""

    code = "ca_error"


class TimestampUnavailable(AdapterError):
    """The configured TSA did not answer; signing stops rather than trust the local clock."""

    code = "timestamp_unavailable"
    status_code = 503


class SealError(AdapterError):
    """A seal image cannot be rendered (e.g. the CJK font is missing)."""

    code = "seal_error"


class PdfError(AdapterError):
    """The input is not a PDF this engine can work with."""

    code = "pdf_invalid"
    status_code = 422


class PlacementError(AdapterError):
    """A requested signature placement is not allowed."""

    code = "placement_invalid"
    status_code = 422


class SigningFailed(AdapterError):
    """pyHanko could not produce the signature."""

    code = "signing_failed"
