"""Errors answer with one shape; a retriable one says when to retry."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from servicekit.errors import AppError, Conflict, Unavailable, install_error_handlers
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine


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


def app_querying(pg_url: str, sql: str) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/x")
    async def query() -> None:
        engine = create_async_engine(pg_url)
        try:
            async with engine.connect() as conn:
                await conn.execute(text(sql))
        finally:
            await engine.dispose()

    return app


@pytest.mark.integration
async def test_a_database_that_is_out_of_connections_answers_503_not_500(pg_url: str) -> None:
    # what PostgreSQL says when every connection slot is taken (SQLSTATE 53300): the fault
    # suite met it as a bare 500, which no client knows to retry
    full = (
        "DO $$ BEGIN RAISE EXCEPTION 'sorry, too many clients already'"
        " USING ERRCODE = '53300'; END $$"
    )
    resp = await call(app_querying(pg_url, full))
    assert resp.status_code == 503
    assert resp.headers["retry-after"] == "1"
    assert resp.json()["error"]["code"] == "database_unavailable"


@pytest.mark.integration
async def test_a_query_that_is_wrong_stays_a_server_error(pg_url: str) -> None:
    app = app_querying(pg_url, "SELECT 1/0")
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        resp = await client.get("/x")
    assert resp.status_code == 500


async def test_a_crash_answers_the_error_shape_without_its_text_and_keeps_the_connection() -> None:
    """Two requests on one kept-alive socket: a crash in the first leaves the second served."""
    import asyncio
    import socket

    import uvicorn

    app = FastAPI()
    install_error_handlers(app)

    @app.post("/boom")
    async def boom() -> None:
        raise OverflowError("cannot convert Infinity to integer")

    @app.get("/ok")
    async def ok() -> dict[str, str]:
        return {"ok": "yes"}

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"POST /boom HTTP/1.1\r\nhost: t\r\naccept-language: en\r\ncontent-length: 0\r\n\r\n"
        )
        head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 500")
        length = int(
            next(
                ln for ln in head.split(b"\r\n") if ln.lower().startswith(b"content-length")
            ).split(b":")[1]
        )
        body = await reader.readexactly(length)
        assert b'"internal_error"' in body and b"Infinity" not in body
        await asyncio.sleep(0.1)  # time enough for a server that closes to have closed
        writer.write(b"GET /ok HTTP/1.1\r\nhost: t\r\n\r\n")
        second = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        assert second.startswith(b"HTTP/1.1 200")
        writer.close()
    finally:
        server.should_exit = True
        await task
