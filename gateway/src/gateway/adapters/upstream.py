"""The upstream services: a lean keep-alive pool for proxying, httpx for small JSON calls.

Proxying goes through the own HTTP/1.1 pool (adapters/h1.py; bench/bench_proxy.py says why);
the few small calls the gateway makes itself (each service's /readyz and /openapi.json) go
through httpx, the client every other part of the house uses.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from http.cookiejar import Cookie, CookieJar
from typing import Any
from urllib.parse import urlsplit

import httpx
from servicekit import tracing

from .h1 import H1Pool, Response, UpstreamError

# hop-by-hop headers (RFC 9110 §7.6.1) are never forwarded; host and length are set per hop
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"host",
    }
)


class UpstreamDown(Exception):
    """The service refused the connection or did not answer in time.

    `maybe_applied`: the request had reached the service before the failure.
    """

    def __init__(self, service: str, reason: str, *, maybe_applied: bool = False) -> None:
        super().__init__(f"{service}: {reason}")
        self.service = service
        self.reason = reason
        self.maybe_applied = maybe_applied


class _NoCookies(CookieJar):
    """Keep no cookies: one service's answer must never ride along on a call to another."""

    def set_cookie(self, cookie: Cookie) -> None:
        return None

    def extract_cookies(self, response: Any, request: Any) -> None:
        return None


class Upstreams:
    """A shared connection pool to every service, made in the app's lifespan."""

    def __init__(
        self,
        *,
        urls: dict[str, str],
        connect_timeout: float,
        read_timeout: float,
        pool_size: int,
    ) -> None:
        self.urls = {name: url.rstrip("/") for name, url in urls.items()}
        self._pool_size = pool_size
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._h1: dict[str, H1Pool] = {}
        self._client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        """Open the pools: the lean HTTP/1.1 one for proxying, httpx for health/docs calls."""
        self._h1 = {}
        for name, url in self.urls.items():
            parts = urlsplit(url)
            self._h1[name] = H1Pool(
                host=parts.hostname or "127.0.0.1",
                port=parts.port or 80,
                size=self._pool_size,
                connect_timeout=self._connect_timeout,
                read_timeout=self._read_timeout,
            )
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(self._read_timeout, connect=self._connect_timeout),
            limits=httpx.Limits(max_connections=self._pool_size, keepalive_expiry=30),
            cookies=_NoCookies(),
            follow_redirects=False,
            trust_env=False,  # the services are reached directly, never through a proxy
        )
        tracing.instrument_internal(self._client)  # the trace goes on into the service (if on)

    async def close(self) -> None:
        """Close the pools."""
        for pool in self._h1.values():
            await pool.close()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    @property
    def client(self) -> httpx.AsyncClient:
        """Return the open client for small calls."""
        if self._client is None:
            raise RuntimeError("upstream pool is not open")
        return self._client

    async def send(
        self,
        *,
        service: str,
        method: str,
        path_qs: str,
        headers: list[tuple[str, str]],
        body: AsyncIterator[bytes] | None,
    ) -> Response:
        """Send a request to `service` and return its response with the body still unread."""
        length: int | None = None
        forwarded: list[tuple[str, str]] = []
        for name, value in headers:
            if name.lower() == "content-length":
                length = int(value) if value.isdigit() else None
            else:
                forwarded.append((name, value))
        if body is not None and length == 0:
            body = None
        try:
            return await self._h1[service].request(
                method=method, target=path_qs, headers=forwarded, body=body, content_length=length
            )
        except UpstreamError as exc:
            raise UpstreamDown(service, str(exc), maybe_applied=exc.sent) from exc

    async def get_json(
        self,
        *,
        service: str,
        path: str,
        timeout: float,  # noqa: ASYNC109
    ) -> tuple[int, object]:
        """GET a small JSON document from `service`; raise UpstreamDown when it cannot answer."""
        try:
            async with asyncio.timeout(timeout):  # the whole call, not each phase
                resp = await self.client.get(self.urls[service] + path)
        except (TimeoutError, httpx.HTTPError) as exc:
            raise UpstreamDown(service, type(exc).__name__) from exc
        try:
            payload: object = json.loads(resp.content)
        except ValueError:
            payload = None
        return resp.status_code, payload
