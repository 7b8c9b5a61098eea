"""Serve ASGI apps with uvicorn on real 127.0.0.1 sockets inside the test's event loop."""

from __future__ import annotations

import asyncio
import hashlib
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from servicekit.auth import TokenVerifier

CHUNK = 64 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def serve(app: Any) -> AsyncIterator[str]:
    """Run `app` on a free port; yield its base URL."""
    port = free_port()
    server = uvicorn.Server(
        # proxy_headers off, as `python -m gateway serve` runs: the gateway decides whom
        # X-Forwarded-For is believed from (GATEWAY_TRUSTED_PROXIES), not uvicorn
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
            proxy_headers=False,
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def fake_service(*, public_key_pem: str, ready: bool = True) -> FastAPI:
    """A stand-in service that verifies tokens like the real ones and streams big bodies."""
    app = FastAPI()
    verifier = TokenVerifier(
        public_key_pem=public_key_pem, issuer="lexseal-gateway", audience="lexseal"
    )

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        checks = {"database": "ok", "broker": "ok" if ready else "down"}
        reasons = {} if ready else {"broker": "outbox relay: ConnectionRefusedError (for 12s)"}
        return JSONResponse(
            {"checks": checks, "reasons": reasons}, status_code=200 if ready else 503
        )

    @app.api_route("/api/contract/echo", methods=["GET", "POST"])
    @app.get("/verify/{code}")
    async def echo(request: Request) -> dict[str, Any]:
        auth = request.headers.get("authorization", "")
        principal: dict[str, Any] | None = None
        if auth:
            p = verifier.verify(auth.removeprefix("Bearer "))
            principal = {
                "id": p.id,
                "username": p.username,
                "roles": sorted(p.roles),
            }
            if p.scopes:
                principal["scopes"] = sorted(p.scopes)
        return {
            "path": request.url.path,
            "query": request.url.query,
            "headers": dict(request.headers),
            "principal": principal,
        }

    @app.post("/api/contract/upload")
    async def upload(request: Request) -> dict[str, Any]:
        digest, size = hashlib.sha256(), 0
        async for chunk in request.stream():
            digest.update(chunk)
            size += len(chunk)
        return {"sha256": digest.hexdigest(), "size": size}

    @app.get("/api/contract/download")
    async def download(mb: int = 30) -> StreamingResponse:
        async def body() -> AsyncIterator[bytes]:
            for i in range(mb * 1024 * 1024 // CHUNK):
                yield bytes([i % 256]) * CHUNK
                await asyncio.sleep(0)

        return StreamingResponse(
            body(), media_type="application/pdf", headers={"content-length": str(mb * 1024 * 1024)}
        )

    return app


def expected_download_sha(mb: int = 30) -> str:
    digest = hashlib.sha256()
    for i in range(mb * 1024 * 1024 // CHUNK):
        digest.update(bytes([i % 256]) * CHUNK)
    return digest.hexdigest()
