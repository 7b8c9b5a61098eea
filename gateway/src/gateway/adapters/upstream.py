"""The upstream services: a lean keep-alive pool for proxying, aiohttp for small JSON calls."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
from yarl import URL

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
        self.urls = {name: URL(url) for name, url in urls.items()}
        self._bases = {name: url.rstrip("/") for name, url in urls.items()}
        self._timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=connect_timeout, sock_read=read_timeout
        )
        self._pool_size = pool_size
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._h1: dict[str, H1Pool] = {}
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        """Open the pools: the lean HTTP/1.1 one for proxying, aiohttp for health/docs calls."""
        self._h1 = {
            name: H1Pool(
                host=url.host or "127.0.0.1",
                port=url.port or 80,
                size=self._pool_size,
                connect_timeout=self._connect_timeout,
                read_timeout=self._read_timeout,
            )
            for name, url in self.urls.items()
        }
        connector = aiohttp.TCPConnector(
            limit=self._pool_size, limit_per_host=self._pool_size, keepalive_timeout=30
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=self._timeout,
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=("User-Agent", "Accept-Encoding"),
        )

    async def close(self) -> None:
        """Close the pools."""
        for pool in self._h1.values():
            await pool.close()
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        """Return the open session."""
        if self._session is None:
            raise RuntimeError("upstream pool is not open")
        return self._session

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
        url = self.urls[service].join(URL(path))
        try:
            async with self.session.get(url, timeout=aiohttp.ClientTimeout(total=timeout)) as resp:
                try:
                    payload: object = await resp.json(content_type=None)
                except ValueError:
                    payload = None
                return resp.status, payload
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise UpstreamDown(service, type(exc).__name__) from exc
