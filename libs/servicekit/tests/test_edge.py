"""Security headers on every answer; a NUL anywhere in the input is refused before routes."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI, Response
from pydantic import BaseModel
from servicekit.edge import NulGuard, SecurityHeaders
from servicekit.errors import install_error_handlers


class Title(BaseModel):
    title: str


def make_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(NulGuard)
    app.add_middleware(SecurityHeaders)
    seen: list[str] = []
    app.state.seen = seen

    @app.post("/t")
    async def store(body: Title) -> dict[str, Any]:
        seen.append(body.title)
        return {"title": body.title}

    @app.get("/cached")
    async def cached() -> Response:
        return Response(b"x", headers={"cache-control": "max-age=60"})

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret detail")

    return app


async def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_every_answer_carries_the_security_headers_errors_included() -> None:
    app = make_app()
    async with await _client(app) as client:
        for resp in (
            await client.post("/t", json={"title": "ok"}),
            await client.get("/nope"),
            await client.get("/boom"),
            await client.post("/t", json={"title": "a\u0000b"}),
        ):
            h = resp.headers
            assert h["x-content-type-options"] == "nosniff"
            assert "frame-ancestors 'none'" in h["content-security-policy"]
            assert "script-src 'self'" in h["content-security-policy"]
            assert (
                "unsafe-inline"
                not in h["content-security-policy"].split("script-src")[1].split(";")[0]
            )
            assert h["referrer-policy"] == "no-referrer" and h["cache-control"] == "no-store"
        assert (await client.get("/cached")).headers["cache-control"] == "max-age=60"


async def test_a_nul_in_a_json_body_path_or_query_is_refused_and_nothing_is_stored() -> None:
    app = make_app()
    async with await _client(app) as client:
        for raw in (
            b'{"title": "a\\u0000b"}',
            b'{"title": "a\\U0000b"}',
            b'{"title": "a\\\\\\u0000"}',
            b'{"title": "a\x00b"}',
        ):
            r = await client.post("/t", content=raw, headers={"content-type": "application/json"})
            assert r.status_code == 422 and r.json()["error"]["code"] == "control_character", raw
        assert (await client.get("/t%00x")).status_code == 422
        assert (await client.get("/cached?q=%00")).status_code == 422
        # an escaped backslash followed by "u0000" is text, not a NUL
        ok = await client.post(
            "/t", content=b'{"title": "C:\\\\u0000"}', headers={"content-type": "application/json"}
        )
        assert ok.status_code == 200 and ok.json()["title"] == "C:\\u0000"
        assert app.state.seen == ["C:\\u0000"]
