"""The H5 face check: the provider hosts the page, then calls back with a signed result.

The platform opens a session (``start``), sends the signer's browser to the provider's page,
and accepts the result only from a callback whose HMAC-SHA256 signature (header
``X-Lexseal-Signature: sha256=<hex>`` over the raw body) checks with the shared secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

from .base import ProviderUnavailable
from .http import _post

SIGNATURE_HEADER = "x-lexseal-signature"


@dataclass(frozen=True)
class FaceStart:
    """A session the provider opened: its reference and the page to send the signer to."""

    reference: str
    redirect_url: str


@dataclass(frozen=True)
class FaceCallback:
    """A checked callback: which session, and what the face check found."""

    reference: str
    passed: bool
    reason: str | None


class CallbackRejected(Exception):
    """The callback's signature does not check, or its body is not a face-check result."""


def sign_body(secret: bytes, body: bytes) -> str:
    """Return the signature header value of `body`."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def check_callback(secret: bytes, *, body: bytes, signature: str | None) -> FaceCallback:
    """Return the callback's result once its signature checks; else raise CallbackRejected."""
    if not signature or not hmac.compare_digest(sign_body(secret, body), signature.strip()):
        raise CallbackRejected("bad signature")
    try:
        data: Any = json.loads(body)
        reference, passed = str(data["session_id"]), data["passed"]
    except (ValueError, KeyError, TypeError) as exc:
        raise CallbackRejected("not a face-check result") from exc
    if not isinstance(passed, bool):
        raise CallbackRejected("passed must be true or false")
    reason = data.get("reason")
    return FaceCallback(reference, passed, str(reason) if reason else None)


class FaceSessionProvider(Protocol):
    """Opens hosted (H5) face-check sessions and checks their signed callbacks."""

    sandbox: bool

    async def start(
        self, *, name: str, id_number: str, return_url: str, callback_url: str
    ) -> FaceStart:
        """Open a session; return where to send the signer."""
        ...

    def check(self, *, body: bytes, signature: str | None) -> FaceCallback:
        """Check a callback's signature and read its result."""
        ...


class HttpFaceSessions:
    """A real provider: POST {name, id_number, return_url, callback_url} to ``url``.

    It answers ``{session_id, redirect_url}`` and later POSTs ``{session_id, passed, reason?}``
    to ``callback_url``, signed with the shared secret (``SIGNING_FACE_CALLBACK_SECRET``).
    """

    sandbox = False

    def __init__(self, *, url: str, secret: bytes, token: str | None, timeout: float) -> None:
        self.url, self.secret, self.token, self.timeout = url, secret, token, timeout

    async def start(
        self, *, name: str, id_number: str, return_url: str, callback_url: str
    ) -> FaceStart:
        """Ask the provider for a session."""
        body = {
            "name": name,
            "id_number": id_number,
            "return_url": return_url,
            "callback_url": callback_url,
        }
        data = await _post(self.url, token=self.token, limit_s=self.timeout, body=body)
        if not data.get("session_id") or not data.get("redirect_url"):
            raise ProviderUnavailable("the face provider answered without a session")
        return FaceStart(str(data["session_id"]), str(data["redirect_url"]))

    def check(self, *, body: bytes, signature: str | None) -> FaceCallback:
        """Check the provider's callback."""
        return check_callback(self.secret, body=body, signature=signature)


class SandboxFaceSessions:
    """沙箱 / SANDBOX: serves its own page (/sign/face-sandbox/{ref}) and signs its callback.

    No face is checked: the tester chooses pass or fail on the labelled page (which may show
    the phone's camera, or a test image).
    """

    sandbox = True

    def __init__(self, *, public_base_url: str, secret: bytes) -> None:
        self.base, self.secret = public_base_url.rstrip("/"), secret
        self.returns: dict[str, str] = {}

    async def start(
        self, *, name: str, id_number: str, return_url: str, callback_url: str
    ) -> FaceStart:
        """Open a sandbox session; its page is this service's own."""
        reference = f"sandbox-h5-{uuid.uuid4().hex}"
        url = f"{self.base}/sign/face-sandbox/{reference}?return={quote(return_url, safe='')}"
        return FaceStart(reference, url)

    def result(self, reference: str, *, passed: bool) -> tuple[bytes, str]:
        """Return the signed callback the sandbox sends for the tester's choice."""
        body = json.dumps(
            {"session_id": reference, "passed": passed, "reason": None if passed else "sandbox"}
        ).encode()
        return body, sign_body(self.secret, body)

    def check(self, *, body: bytes, signature: str | None) -> FaceCallback:
        """Check a sandbox callback (signed with the sandbox's secret)."""
        return check_callback(self.secret, body=body, signature=signature)
