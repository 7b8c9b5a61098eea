"""The upstream services over one keep-alive aiohttp pool; bodies stream both ways."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
from yarl import URL

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
    """The service refused the connection or did not answer in time."""

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"{service}: {reason}")
        self.service = service
        self.reason = reason


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
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        """Open the pool."""
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
        """Close the pool."""
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
    ) -> aiohttp.ClientResponse:
        """Send a request to `service` and return its response with the body still unread."""
        url = URL(self._bases[service] + path_qs, encoded=True)
        try:
            return await self.session.request(
                method,
                url,
                headers=headers,
                data=body,
                allow_redirects=False,
                compress=None,
            )
        except (TimeoutError, aiohttp.ClientConnectionError) as exc:
            raise UpstreamDown(service, type(exc).__name__) from exc

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
