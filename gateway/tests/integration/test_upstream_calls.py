"""The gateway's own small calls to the services (readiness, OpenAPI) over httpx."""

from __future__ import annotations

import asyncio

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from gateway.adapters.upstream import UpstreamDown, Upstreams

from .servers import free_port, serve


def _service(release: asyncio.Event) -> FastAPI:
    app = FastAPI(openapi_url=None)

    @app.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        answer = JSONResponse({"cookie": request.headers.get("cookie")}, status_code=503)
        answer.set_cookie("session", "from-a-service")
        return answer

    @app.get("/openapi.json")
    async def not_json() -> PlainTextResponse:
        return PlainTextResponse("not a document")

    @app.get("/stuck")
    async def stuck() -> PlainTextResponse:
        await release.wait()  # answers only when the test is over
        return PlainTextResponse("late")

    return app


def _upstreams(url: str) -> Upstreams:
    closed = f"http://127.0.0.1:{free_port()}"
    return Upstreams(
        urls={"contract": url, "letters": closed},
        connect_timeout=3.0,
        read_timeout=30.0,
        pool_size=4,
    )


async def test_get_json_answers_status_and_document_and_keeps_no_cookies() -> None:
    release = asyncio.Event()
    async with serve(_service(release)) as url:
        upstreams = _upstreams(url)
        await upstreams.start()
        try:
            first = await upstreams.get_json(service="contract", path="/readyz", timeout=10)
            again = await upstreams.get_json(service="contract", path="/readyz", timeout=10)
            text = await upstreams.get_json(service="contract", path="/openapi.json", timeout=10)
        finally:
            release.set()
            await upstreams.close()
    assert first == (503, {"cookie": None})
    assert again == (503, {"cookie": None})  # one service's cookie never rides along
    assert text == (200, None)


async def test_get_json_names_why_a_service_cannot_answer() -> None:
    release = asyncio.Event()
    async with serve(_service(release)) as url:
        upstreams = _upstreams(url)
        await upstreams.start()
        try:
            with pytest.raises(UpstreamDown) as refused:
                await upstreams.get_json(service="letters", path="/readyz", timeout=10)
            with pytest.raises(UpstreamDown) as stuck:
                await upstreams.get_json(service="contract", path="/stuck", timeout=0.2)
        finally:
            release.set()
            await upstreams.close()
    assert (refused.value.service, refused.value.reason) == ("letters", "ConnectError")
    assert (stuck.value.service, stuck.value.reason) == ("contract", "TimeoutError")
    assert not refused.value.maybe_applied and not stuck.value.maybe_applied
