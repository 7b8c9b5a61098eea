"""Service-to-service calls: HMAC tokens on internal routes and claim-check downloads."""

from __future__ import annotations

import functools
import hashlib
import hmac
import ssl
import time

import httpx
from fastapi import Request
from lexseal_events import DocumentRef

from .errors import Forbidden
from .tracing import instrument_internal

INTERNAL_HEADER = "x-lexseal-internal"


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """Return httpx's default verifying TLS context, built once per process.

    Building it (loading the CA bundle) costs ~10 ms of CPU; a fresh AsyncClient per claim-check
    download built it every time. The context is the one httpx builds by default (certifi roots,
    hostname checking), so downloads verify exactly as before.
    """
    return httpx.create_ssl_context()


class ClaimCheckError(Exception):
    """A claim-checked document could not be fetched or did not match its hash."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


def internal_token(*, secret: str, path: str, ttl: int = 300) -> str:
    """Return a token that lets a sibling service call `path` for `ttl` seconds."""
    exp = int(time.time()) + ttl
    mac = hmac.new(secret.encode(), f"{exp}:{path}".encode(), hashlib.sha256).hexdigest()
    return f"{exp}.{mac}"


def check_internal_token(*, secret: str, path: str, token: str) -> bool:
    """Tell whether `token` authorises a call to `path` now."""
    exp_s, _, mac = token.partition(".")
    # ASCII digits, and no more than a timestamp has (int() refuses thousands of digits)
    if not (exp_s.isascii() and exp_s.isdigit()) or len(exp_s) > 12 or int(exp_s) < time.time():
        return False
    good = hmac.new(secret.encode(), f"{exp_s}:{path}".encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(good, mac)


async def require_internal(request: Request) -> None:
    """Refuse an internal route unless the caller is a sibling service."""
    secret: str = request.app.state.settings.internal_secret
    token = request.headers.get(INTERNAL_HEADER, "")
    if not check_internal_token(secret=secret, path=request.url.path, token=token):
        raise Forbidden("Internal route", "内部接口", code="internal_only")


async def fetch_document(
    ref: DocumentRef, *, secret: str, max_bytes: int = 50 * 1024 * 1024, timeout_s: float = 30
) -> bytes:
    """Download a claim-checked document, streaming, and check its size and sha256."""
    path = httpx.URL(ref.url).path
    headers = {INTERNAL_HEADER: internal_token(secret=secret, path=path)}
    digest = hashlib.sha256()
    chunks: list[bytes] = []
    size = 0
    client = httpx.AsyncClient(timeout=timeout_s, verify=_tls_context())
    instrument_internal(client)  # the trace goes on into the sibling (when tracing is on)
    try:
        async with client, client.stream("GET", ref.url, headers=headers) as resp:
            if resp.status_code != 200:
                raise ClaimCheckError("claim_unavailable", f"{ref.url} answered {resp.status_code}")
            async for chunk in resp.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise ClaimCheckError("claim_too_large", f"over {max_bytes} bytes")
                digest.update(chunk)
                chunks.append(chunk)
    except httpx.HTTPError as exc:
        raise ClaimCheckError("claim_unavailable", str(exc)) from exc
    if digest.hexdigest() != ref.sha256:
        raise ClaimCheckError("claim_hash_mismatch", "document does not match the event's sha256")
    return b"".join(chunks)
