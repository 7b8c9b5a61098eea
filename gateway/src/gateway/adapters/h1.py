"""A lean HTTP/1.1 client for the proxy's hot path: keep-alive pool, httptools parser, streaming.

aiohttp's client costs several times the work of the upstream's own request handling
(response objects, multidicts, tracing hooks), which capped the gateway far below half of a
service's throughput. This client does only what a reverse proxy needs: write the request
head, stream the body (chunked when its length is unknown), parse the response head with
httptools and hand the body on chunk by chunk with back-pressure.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from types import TracebackType
from typing import cast

import httptools

_MAX_BUFFERED = 256 * 1024  # pause reading from the service above this much unsent body


class UpstreamError(Exception):
    """The connection failed, closed early, or the service sent something unparsable.

    `sent`: the request had reached the service, which may have applied it before failing.
    """

    def __init__(self, message: str, *, sent: bool = False) -> None:
        super().__init__(message)
        self.sent = sent


class _Conn(asyncio.Protocol):
    """One keep-alive connection; carries one request/response at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.head: asyncio.Future[None] | None = None
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: deque[bytes | None] = deque()
        self.buffered = 0
        self.readable = asyncio.Event()
        self.complete = False
        self.closed = False
        self.paused = False
        self.error: Exception | None = None
        self.keep_alive = False
        self.writable = asyncio.Event()
        self.writable.set()

    # asyncio.Protocol: flow control, so a large upload is never buffered whole
    def pause_writing(self) -> None:
        self.writable.clear()

    def resume_writing(self) -> None:
        self.writable.set()

    async def drained(self) -> None:
        """Wait until the service has taken what was written (or the connection is gone)."""
        if not self.writable.is_set() and not self.closed:
            await self.writable.wait()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement the interface without subclassing asyncio.Transport
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(UpstreamError(f"bad response ({type(exc).__name__})"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.writable.set()
        if not self.complete:
            self._fail(UpstreamError("connection closed by the service"))

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        # httptools answers should_keep_alive() reliably only while the head is parsed
        self.keep_alive = self.parser.should_keep_alive()
        if self.head is not None and not self.head.done():
            self.head.set_result(None)

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)
        self.buffered += len(body)
        self.readable.set()
        if self.buffered > _MAX_BUFFERED and self.transport is not None and not self.paused:
            self.paused = True
            self.transport.pause_reading()

    def on_message_complete(self) -> None:
        self.complete = True
        self.chunks.append(None)
        self.readable.set()

    def _fail(self, exc: Exception) -> None:
        self.error = exc
        if self.head is not None and not self.head.done():
            self.head.set_exception(exc)
        self.chunks.append(None)
        self.readable.set()

    def reset(self) -> None:
        """Prepare for the next request on this connection."""
        self.parser = httptools.HttpResponseParser(self)
        self.head = asyncio.get_running_loop().create_future()
        self.status, self.headers = 0, []
        self.chunks.clear()
        self.buffered, self.complete, self.error, self.keep_alive = 0, False, None, False
        self.readable.clear()

    async def next_chunk(self, wait_s: float) -> bytes | None:
        """Return the next body chunk, or None at the end."""
        while not self.chunks:
            self.readable.clear()
            await asyncio.wait_for(self.readable.wait(), wait_s)
        chunk = self.chunks.popleft()
        if chunk is None:
            if self.error is not None:
                raise self.error
            return None
        self.buffered -= len(chunk)
        if self.paused and self.buffered < _MAX_BUFFERED // 2 and self.transport is not None:
            self.paused = False
            self.transport.resume_reading()
        return chunk


class Response:
    """A response whose body is still being read; release it with `async with`."""

    def __init__(self, pool: H1Pool, conn: _Conn, read_timeout: float) -> None:
        self._pool, self._conn, self._timeout = pool, conn, read_timeout
        self.status = conn.status
        self.raw_headers = conn.headers

    async def iter_chunks(self) -> AsyncIterator[bytes]:
        """Yield the body as it arrives."""
        while (chunk := await self._conn.next_chunk(self._timeout)) is not None:
            yield chunk

    async def __aenter__(self) -> Response:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn = self._conn
        # A Python service answers an unhandled exception with a 500 and then closes the
        # connection (uvicorn does), so a 500's connection is never handed to the next request.
        reusable = conn.complete and conn.error is None and conn.keep_alive and self.status != 500
        self._pool.release(conn, reusable=reusable and exc is None)


class H1Pool:
    """Keep-alive connections to one service (host:port)."""

    def __init__(
        self, *, host: str, port: int, size: int, connect_timeout: float, read_timeout: float
    ) -> None:
        self.host, self.port = host, port
        self.authority = f"{host}:{port}".encode()
        self._idle: deque[_Conn] = deque()
        self._slots = asyncio.Semaphore(size)
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout

    async def _connect(self) -> _Conn:
        while self._idle:
            conn = self._idle.pop()
            if not conn.closed:
                return conn
        loop = asyncio.get_running_loop()
        try:
            _, conn = await asyncio.wait_for(
                loop.create_connection(_Conn, self.host, self.port), self._connect_timeout
            )
        except (OSError, TimeoutError) as exc:
            raise UpstreamError(f"cannot connect: {type(exc).__name__}") from exc
        return conn

    def release(self, conn: _Conn, *, reusable: bool) -> None:
        """Return a connection to the pool, or close it when it cannot be reused."""
        if reusable and not conn.closed:
            self._idle.append(conn)
        elif conn.transport is not None:
            conn.transport.close()
        self._slots.release()

    async def request(
        self,
        *,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        body: AsyncIterator[bytes] | None,
        content_length: int | None,
    ) -> Response:
        """Send one request; return once the response head has arrived."""
        await self._slots.acquire()
        try:
            reused = bool(self._idle)
            conn = await self._connect()
        except BaseException:
            self._slots.release()
            raise
        try:
            return await self._exchange(conn, method, target, headers, body, content_length)
        except UpstreamError:
            # A kept-alive connection the service closed while idle fails before any reply:
            # a bodiless request is safe to send once more on a fresh connection.
            if not (reused and body is None):
                raise
        await self._slots.acquire()
        try:
            conn = await self._connect()
        except BaseException:
            self._slots.release()
            raise
        return await self._exchange(conn, method, target, headers, body, content_length)

    async def _exchange(
        self,
        conn: _Conn,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        body: AsyncIterator[bytes] | None,
        content_length: int | None,
    ) -> Response:
        sent = False
        try:
            conn.reset()
            assert conn.transport is not None and conn.head is not None
            lines = [f"{method} {target} HTTP/1.1".encode(), b"host: " + self.authority]
            lines += [f"{k}: {v}".encode("latin-1") for k, v in headers]
            chunked = body is not None and content_length is None
            if body is None:
                lines.append(b"content-length: 0")
            elif chunked:
                lines.append(b"transfer-encoding: chunked")
            else:
                lines.append(f"content-length: {content_length}".encode())
            conn.transport.write(b"\r\n".join(lines) + b"\r\n\r\n")
            sent = True
            if body is not None:
                async for chunk in body:
                    if conn.closed:
                        raise UpstreamError("connection closed while sending the body")
                    conn.transport.write(
                        b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk
                    )
                    await conn.drained()
                if chunked:
                    conn.transport.write(b"0\r\n\r\n")
            async with asyncio.timeout(self._read_timeout):
                await conn.head
        except BaseException as exc:
            if conn.head is not None and conn.head.done() and not conn.head.cancelled():
                conn.head.exception()  # retrieved: the error is raised below instead
            self.release(conn, reusable=False)
            if isinstance(exc, TimeoutError):
                raise UpstreamError("timed out waiting for the service", sent=sent) from exc
            if isinstance(exc, UpstreamError):
                exc.sent = sent
            raise
        return Response(self, conn, self._read_timeout)

    async def close(self) -> None:
        """Close every idle connection."""
        while self._idle:
            conn = self._idle.pop()
            if conn.transport is not None:
                conn.transport.close()
