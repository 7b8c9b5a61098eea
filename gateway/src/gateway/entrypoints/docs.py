"""Health, the merged OpenAPI document, Swagger UI and the AsyncAPI document."""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from lexseal_events import ALL_EVENTS, PARTNER_EVENTS
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ..domain.asyncapi import build_asyncapi, build_partner_asyncapi
from ..service_layer import discovery
from .deps import Deps

router = APIRouter()


@router.get("/healthz")
async def healthz(deps: Deps) -> JSONResponse:
    """Answer 200 only when the gateway and every service are ready; name each one's deps."""
    ready, body = await discovery.readiness(deps)
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/readyz")
async def readyz(deps: Deps) -> JSONResponse:
    """Answer 200 when the gateway itself can serve (its database answers)."""
    ok = await discovery.database_ok(deps)
    body = {"service": "gateway", "status": "ready" if ok else "not_ready"}
    return JSONResponse(body, status_code=200 if ok else 503)


@router.get("/metrics")
async def metrics() -> Response:
    """Expose the gateway's Prometheus metrics (HTTP latency by route, ...)."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


@router.get("/openapi.json")
async def openapi(request: Request, deps: Deps) -> JSONResponse:
    """Return one OpenAPI document covering the gateway and every service."""
    own: dict[str, Any] = request.app.openapi()
    return JSONResponse(await discovery.merged_openapi(deps, own=own))


@router.get("/docs")
async def docs() -> HTMLResponse:
    """Serve Swagger UI for the merged document, its one inline script allowed by hash."""
    page = get_swagger_ui_html(openapi_url="/openapi.json", title="lexseal API")
    page.headers["content-security-policy"] = _docs_csp(bytes(page.body).decode())
    return page


def _docs_csp(html: str) -> str:
    """Return a CSP for Swagger UI: its CDN files and exactly its inline scripts (by hash)."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in re.findall(r"<script>(.*?)</script>", html, re.S)
    )
    cdn = "https://cdn.jsdelivr.net"
    return (
        f"default-src 'self'; script-src 'self' {cdn} {hashes}; style-src 'self' {cdn}; "
        "img-src 'self' data: https://fastapi.tiangolo.com; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'"
    )


@lru_cache(maxsize=4)
def _asyncapi(exchange: str, version: str) -> dict[str, Any]:
    return build_asyncapi(events=ALL_EVENTS, exchange=exchange, version=version)


@lru_cache(maxsize=4)
def _partner_asyncapi(partner_exchange: str, amqp_host: str, version: str) -> dict[str, Any]:
    return build_partner_asyncapi(
        events=PARTNER_EVENTS,
        partner_exchange=partner_exchange,
        amqp_host=amqp_host,
        version=version,
    )


def _amqp_host(amqp_url: str) -> str:
    """Return the broker's host:port without credentials."""
    parts = urlsplit(amqp_url)
    return f"{parts.hostname or '127.0.0.1'}:{parts.port or 5672}"


@router.get("/asyncapi.json")
async def asyncapi(deps: Deps, request: Request) -> JSONResponse:
    """Return the AsyncAPI 3.0 description of what partners receive (webhooks, partner bus)."""
    settings = deps.settings
    return JSONResponse(
        _partner_asyncapi(
            settings.partner_exchange, _amqp_host(settings.amqp_url), request.app.version
        )
    )


@router.get("/asyncapi-internal.json")
async def asyncapi_internal(deps: Deps, request: Request) -> JSONResponse:
    """Return the AsyncAPI 3.0 description of the services' internal bus."""
    return JSONResponse(_asyncapi(deps.settings.exchange, request.app.version))
