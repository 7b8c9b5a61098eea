"""Errors answer with one shape; a retriable one says when to retry."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from servicekit.errors import AppError, Conflict, Unavailable, install_error_handlers


def app_raising(exc: AppError) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/x")
    async def fail() -> None:
        raise exc

    return app


async def call(app: FastAPI) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.get("/x", headers={"accept-language": "en"})


async def test_an_unavailable_dependency_answers_503_with_retry_after() -> None:
    resp = await call(app_raising(Unavailable(code="timestamp_unavailable")))
    assert resp.status_code == 503
    assert resp.headers["retry-after"] == "5"
    assert resp.json()["error"]["code"] == "timestamp_unavailable"


async def test_retry_after_can_be_given_per_error_and_is_absent_otherwise() -> None:
    slow_down = AppError(code="too_many", status_code=429, retry_after=42)
    assert (await call(app_raising(slow_down))).headers["retry-after"] == "42"
    resp = await call(app_raising(Conflict()))
    assert resp.status_code == 409 and "retry-after" not in resp.headers
