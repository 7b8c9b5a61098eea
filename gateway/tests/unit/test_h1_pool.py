"""The proxy's HTTP/1.1 client: keeps connections alive, streams bodies, survives idle closes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from gateway.adapters.h1 import H1Pool, UpstreamError


class Upstream:
    """A tiny HTTP/1.1 server on a real socket that counts connections and echoes bodies."""

    def __init__(self, *, close_after: int | None = None, fail_path: bytes | None = None) -> None:
        self.connections = 0
        self.close_after = close_after
        self.fail_path = fail_path
        self.server: asyncio.Server | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        served = 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode().split("\r\n")
                headers = {
                    k.lower(): v for k, _, v in (ln.partition(": ") for ln in lines[1:] if ln)
                }
                body = b""
                if headers.get("transfer-encoding") == "chunked":
                    while True:
                        size = int((await reader.readuntil(b"\r\n")).strip(), 16)
                        chunk = await reader.readexactly(size + 2)
                        if size == 0:
                            break
                        body += chunk[:-2]
                elif int(headers.get("content-length", "0")):
                    body = await reader.readexactly(int(headers["content-length"]))
                reply = body or lines[0].encode()
                if self.fail_path is not None and self.fail_path in lines[0].encode():
                    # like uvicorn after an unhandled exception: a complete 500 (keep-alive as
                    # far as its headers go), then the connection closes a moment later
                    writer.write(
                        b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 5\r\n\r\nerror"
                    )
                    await writer.drain()
                    await asyncio.sleep(0.05)
                    writer.close()
                    return
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(reply), reply)
                )
                await writer.drain()
                served += 1
                if self.close_after is not None and served >= self.close_after:
                    writer.close()  # an idle keep-alive connection the server drops
                    return
        except (asyncio.IncompleteReadError, ConnectionResetError):
            return

    async def __aenter__(self) -> int:
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()


async def fetch(pool: H1Pool, target: str, body: AsyncIterator[bytes] | None = None) -> bytes:
    resp = await pool.request(
        method="POST" if body else "GET", target=target, headers=[], body=body, content_length=None
    )
    async with resp:
        return b"".join([c async for c in resp.iter_chunks()])


async def test_sequential_and_concurrent_requests_reuse_connections() -> None:
    upstream = Upstream()
    async with upstream as port:
        pool = H1Pool(host="127.0.0.1", port=port, size=4, connect_timeout=2, read_timeout=5)
        for i in range(20):
            assert await fetch(pool, f"/n/{i}") == f"GET /n/{i} HTTP/1.1".encode()
        assert upstream.connections == 1
        await asyncio.gather(*(fetch(pool, "/c") for _ in range(40)))
        assert upstream.connections <= 4  # never more than the pool size
        await pool.close()


async def test_streamed_body_of_unknown_length_goes_chunked() -> None:
    async def parts() -> AsyncIterator[bytes]:
        for i in range(50):
            yield b"%04d" % i

    async with Upstream() as port:
        pool = H1Pool(host="127.0.0.1", port=port, size=1, connect_timeout=2, read_timeout=5)
        assert await fetch(pool, "/upload", parts()) == b"".join(b"%04d" % i for i in range(50))
        await pool.close()


async def test_a_connection_closed_while_idle_is_replaced_transparently() -> None:
    upstream = Upstream(close_after=1)
    async with upstream as port:
        pool = H1Pool(host="127.0.0.1", port=port, size=1, connect_timeout=2, read_timeout=5)
        for _ in range(3):
            await fetch(pool, "/x")
            await asyncio.sleep(0.05)
        assert upstream.connections == 3
        await pool.close()


async def test_nothing_listening_is_an_upstream_error() -> None:
    pool = H1Pool(host="127.0.0.1", port=1, size=1, connect_timeout=1, read_timeout=1)
    with pytest.raises(UpstreamError):
        await fetch(pool, "/")


async def test_a_500_does_not_hand_its_closing_connection_to_the_next_request() -> None:
    """A POST after a crashed request must not land on the connection the service closes."""
    upstream = Upstream(fail_path=b"/crash")

    async def once() -> AsyncIterator[bytes]:
        yield b"payload"

    async with upstream as port:
        pool = H1Pool(host="127.0.0.1", port=port, size=1, connect_timeout=2, read_timeout=5)
        for _ in range(3):
            resp = await pool.request(
                method="GET", target="/crash", headers=[], body=None, content_length=None
            )
            async with resp:
                assert resp.status == 500
                assert b"".join([c async for c in resp.iter_chunks()]) == b"error"
            assert await fetch(pool, "/next", once()) == b"payload"
        await pool.close()
