"""Claim-checked documents: only a sibling may fetch them, and only the exact bytes are taken."""

from __future__ import annotations

import asyncio
import hashlib
import socket
from collections.abc import AsyncIterator

import pytest
import uvicorn
from fastapi import Depends, FastAPI, Response
from lexseal_events import DocumentRef
from servicekit.internal import (
    ClaimCheckError,
    check_internal_token,
    fetch_document,
    internal_token,
    require_internal,
)

SECRET = "test-internal-secret"
BODY = b"%PDF-1.7 the contract" * 100


@pytest.fixture
async def owner() -> AsyncIterator[str]:
    """A service serving one internal document on a real socket."""
    app = FastAPI()
    app.state.settings = type("S", (), {"internal_secret": SECRET})()

    @app.get("/internal/documents/{name}", dependencies=[Depends(require_internal)])
    async def document(name: str) -> Response:
        return Response(BODY if name == "doc" else BODY + b"tampered")

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


def _ref(url: str, data: bytes = BODY) -> DocumentRef:
    return DocumentRef(sha256=hashlib.sha256(data).hexdigest(), size=len(data), url=url)


async def test_the_exact_bytes_are_fetched(owner: str) -> None:
    ref = _ref(f"{owner}/internal/documents/doc")
    assert await fetch_document(ref, secret=SECRET) == BODY


async def test_bytes_that_do_not_match_the_events_sha256_are_refused(owner: str) -> None:
    ref = _ref(f"{owner}/internal/documents/other")  # serves different bytes than announced
    with pytest.raises(ClaimCheckError) as exc:
        await fetch_document(ref, secret=SECRET)
    assert exc.value.code == "claim_hash_mismatch"


async def test_a_wrong_secret_or_size_limit_is_refused(owner: str) -> None:
    ref = _ref(f"{owner}/internal/documents/doc")
    with pytest.raises(ClaimCheckError) as exc:
        await fetch_document(ref, secret="another-secret")
    assert exc.value.code == "claim_unavailable"
    with pytest.raises(ClaimCheckError) as exc:
        await fetch_document(ref, secret=SECRET, max_bytes=100)
    assert exc.value.code == "claim_too_large"


def test_internal_tokens_name_their_path_and_expire() -> None:
    token = internal_token(secret=SECRET, path="/internal/documents/doc")
    assert check_internal_token(secret=SECRET, path="/internal/documents/doc", token=token)
    assert not check_internal_token(secret=SECRET, path="/internal/documents/x", token=token)
    assert not check_internal_token(secret="other", path="/internal/documents/doc", token=token)
    old = internal_token(secret=SECRET, path="/p", ttl=-10)
    assert not check_internal_token(secret=SECRET, path="/p", token=old)
    assert not check_internal_token(secret=SECRET, path="/p", token="nonsense")
    assert not check_internal_token(secret=SECRET, path="/p", token="9" * 5000 + ".x")
    assert not check_internal_token(secret=SECRET, path="/p", token="١٢٣٤٥٦٧٨٩٠١٢.x")


def test_downloads_verify_tls_with_one_context_built_once() -> None:
    """The TLS context is built once per process (not per download) and still verifies."""
    import ssl

    from servicekit.internal import _tls_context

    ctx = _tls_context()
    assert ctx is _tls_context()
    assert ctx.verify_mode == ssl.CERT_REQUIRED
    assert ctx.check_hostname
    assert ctx.get_ca_certs() or ctx.cert_store_stats()["x509_ca"] > 0
