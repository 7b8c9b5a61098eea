"""A trivial upstream for the proxy benchmark: one small JSON answer per route."""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()


@app.get("/verify/ping")
async def public_ping() -> dict[str, str]:
    """Answer a public route."""
    return {"status": "ok"}


@app.get("/api/contract/ping")
async def private_ping() -> dict[str, str]:
    """Answer an authenticated route (the gateway has already checked the token)."""
    return {"status": "ok"}
