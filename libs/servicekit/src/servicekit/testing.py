"""Test helpers: reach the real PostgreSQL / RabbitMQ through env vars, isolated per run."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Generic, NoReturn, TypeVar, cast
from urllib.parse import urlparse

from lexseal_events import CloudEvent
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .domain import Recorder
from .uow import BatchAbort, UnitOfWork

DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672/"
DEFAULT_PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), 1
        ):
            return True
    except OSError:
        return False


def _skip(reason: str) -> None:
    import pytest

    if os.environ.get("LEXSEAL_REQUIRE_SERVICES") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def missing_tool(reason: str) -> NoReturn:
    """Skip a test whose tool is missing, except in CI (CI=true), which must have them all.

    deploy/system-deps.sh --test installs every tool the tests use; a skip there would hide a
    check that never ran.
    """
    import pytest

    if os.environ.get("CI") == "true" or os.environ.get("LEXSEAL_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (deploy/system-deps.sh --test installs it)")
    pytest.skip(reason)


def need_tools(*tools: str) -> None:
    """Skip the calling test when a command-line tool is missing (see missing_tool for CI)."""
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        missing_tool(f"missing tools: {', '.join(missing)}")


def amqp_url_or_skip() -> str:
    """Return AMQP_URL (default: local RabbitMQ), skipping the test when nothing listens."""
    url = os.environ.get("AMQP_URL", DEFAULT_AMQP)
    if not _reachable(url, 5672):
        _skip(f"RabbitMQ not reachable at {url}")
    return url


def postgres_admin_url_or_skip() -> str:
    """Return DATABASE_URL (an admin connection), skipping when PostgreSQL is not reachable."""
    url = os.environ.get("DATABASE_URL", DEFAULT_PG_ADMIN)
    if not _reachable(url, 5432):
        _skip(f"PostgreSQL not reachable at {url}")
    return url


def redis_url_or_skip() -> str:
    """Return REDIS_URL (default: local Redis, database 0), skipping when nothing listens.

    Tests share it by key prefix: each uses its own and deletes its keys afterwards.
    """
    url = os.environ.get("REDIS_URL", DEFAULT_REDIS)
    if not _reachable(url, 6379):
        _skip(f"Redis not reachable at {url}")
    return url


class PostgresDatabase:
    """Create a throw-away database on enter and drop it on exit; yields its asyncpg URL."""

    def __init__(self, admin_url: str, *, prefix: str = "test") -> None:
        self.admin_url = admin_url.replace("postgresql+asyncpg://", "postgresql://")
        self.name = f"lexseal_{prefix}_{uuid.uuid4().hex[:10]}"

    def _admin(self, sql: str) -> None:
        import asyncio

        import asyncpg

        async def run() -> None:
            conn = await asyncpg.connect(self.admin_url)
            try:
                await conn.execute(sql)
            finally:
                await conn.close()

        # Run on a private thread: callers may already be inside an event loop.
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, run()).result()

    def url(self) -> str:
        """Return the asyncpg URL of the test database."""
        parsed = urlparse(self.admin_url)
        return f"postgresql+asyncpg://{parsed.netloc}/{self.name}"

    def __enter__(self) -> str:
        self._admin(f'CREATE DATABASE "{self.name}"')
        return self.url()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class TestIdentity:
    """An Ed25519 key pair standing in for the gateway: mints tokens services accept."""

    __test__ = False  # not a pytest test class

    def __init__(self, *, issuer: str = "lexseal-gateway", audience: str = "lexseal") -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        self._key = Ed25519PrivateKey.generate()
        self.public_key_pem = (
            self._key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )
        self.issuer = issuer
        self.audience = audience

    def token(
        self,
        *,
        user_id: str,
        username: str = "",
        roles: list[str] | tuple[str, ...] = (),
        ttl: int = 600,
        scopes: list[str] | tuple[str, ...] = (),
    ) -> str:
        """Return a bearer token for a user with `roles` (a partner key's also `scopes`)."""
        import time

        import jwt

        now = int(time.time())
        claims = {
            "sub": user_id,
            "name": username or user_id,
            "display_name": username or user_id,
            "roles": list(roles),
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "exp": now + ttl,
        }
        if scopes:
            claims["scopes"] = list(scopes)
        return jwt.encode(claims, self._key, algorithm="EdDSA")

    def headers(self, **kw: object) -> dict[str, str]:
        """Return an Authorization header for `token(**kw)`."""
        return {"Authorization": f"Bearer {self.token(**kw)}"}  # type: ignore[arg-type]


class BrokerProxy:
    """A TCP proxy in front of the broker that a test can cut off and restore.

    Point a system's AMQP URL at `proxy.url(amqp_url)`: its connections then run through
    this proxy. `cut()` closes every open connection and refuses new ones (the broker is
    unreachable for that system only; other users of the broker are untouched); `restore()`
    lets connections through again. Runs in the caller's event loop (`async with
    BrokerProxy() as proxy`) or on a thread of its own for code that is not async
    (`with BrokerProxy().in_thread() as proxy`), e.g. when the system runs as processes.
    """

    def __init__(self, *, upstream: tuple[str, int] = ("127.0.0.1", 5672), port: int = 0) -> None:
        self.upstream = upstream
        self.port = port
        self.is_cut = False
        self.connections = 0  # accepted and forwarded, over the proxy's life
        self.refused = 0  # accepted while cut, closed at once
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    def url(self, amqp_url: str = DEFAULT_AMQP) -> str:
        """Return `amqp_url` with its host and port replaced by the proxy's."""
        parsed = urlparse(amqp_url)
        netloc = f"127.0.0.1:{self.port}"
        if parsed.username is not None:
            auth = parsed.username + (f":{parsed.password}" if parsed.password is not None else "")
            netloc = f"{auth}@{netloc}"
        return parsed._replace(netloc=netloc).geturl()

    async def start(self) -> None:
        """Listen on `port` (a free one when 0)."""
        self._loop = asyncio.get_running_loop()
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Close every connection and stop listening."""
        self._close_all()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def cut(self) -> None:
        """Drop every open connection and refuse new ones until `restore()`."""
        self._call(self._cut)

    def restore(self) -> None:
        """Let connections through again."""
        self._call(self._restore)

    async def __aenter__(self) -> BrokerProxy:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @contextmanager
    def in_thread(self) -> Iterator[BrokerProxy]:
        """Run the proxy on its own thread and event loop for as long as the block lasts."""
        started = threading.Event()
        done: asyncio.Future[None] | None = None
        failure: list[BaseException] = []

        async def serve() -> None:
            nonlocal done
            try:
                await self.start()
            except BaseException as exc:
                failure.append(exc)
                started.set()
                raise
            done = asyncio.get_running_loop().create_future()
            started.set()
            try:
                await done
            finally:
                await self.stop()

        thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
        thread.start()
        started.wait(10)
        if failure:
            raise failure[0]
        try:
            yield self
        finally:
            assert self._loop is not None and done is not None
            self._loop.call_soon_threadsafe(done.set_result, None)
            thread.join(10)

    def _call(self, fn: Callable[[], None]) -> None:
        loop = self._loop
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if loop is None or running is loop:
            fn()
            return
        # another thread: run it on the proxy's loop and wait until it has happened
        done = threading.Event()

        def run() -> None:
            try:
                fn()
            finally:
                done.set()

        loop.call_soon_threadsafe(run)
        done.wait(10)

    def _cut(self) -> None:
        self.is_cut = True
        self._close_all()

    def _restore(self) -> None:
        self.is_cut = False

    def _close_all(self) -> None:
        for writer in list(self._open):
            writer.transport.abort()  # at once, like a broker that went away
        self._open.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.is_cut:
            self.refused += 1
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.transport.abort()
            return
        if self.is_cut:  # cut while connecting upstream
            up_writer.transport.abort()
            writer.transport.abort()
            return
        self.connections += 1
        self._open.update((writer, up_writer))

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (OSError, RuntimeError):
                pass
            finally:
                dst.transport.abort()

        try:
            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        finally:
            self._open.discard(writer)
            self._open.discard(up_writer)


@contextmanager
def s3_server() -> Iterator[str]:
    """Run a real S3-protocol server on loopback (moto's standalone server); yield its URL.

    moto_server comes with the dev dependencies (`moto[server]`); any S3 client talks to it
    over HTTP as it would to MinIO, OSS or AWS S3. Credentials: any, region us-east-1.
    """
    import subprocess
    import sys
    import time

    import httpx

    server = Path(sys.executable).parent / "moto_server"
    if not server.exists():
        _skip("moto_server is not installed (dev dependency moto[server])")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    proc = subprocess.Popen(
        [str(server), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url + "/moto-api/", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# --- Use cases without a database -------------------------------------------------------

T = TypeVar("T")


class FakeRepository(Generic[T]):
    """An in-memory repository of aggregates by id; subclass it with the service's queries.

    `FakeUnitOfWork` collects what its aggregates recorded at commit, like the real unit
    of work collects from its session.
    """

    def __init__(self, *items: T) -> None:
        self.items: dict[str, T] = {}
        for item in items:
            self.add(item)

    def add(self, item: T) -> None:
        """Keep `item` under its id."""
        self.items[str(getattr(item, "id"))] = item  # noqa: B009 - any aggregate with an id

    async def get(self, item_id: str, *, for_update: bool = False) -> T | None:
        """Return the item with `item_id`, or None."""
        return self.items.get(item_id)


class FakeUnitOfWork(UnitOfWork):
    """The unit of work of a use case under unit test: no database, no broker.

    `uow.repo(cls)` answers the fake given for `cls`; commit collects what the aggregates
    in the fakes (and the unit of work) recorded, and keeps it: `events` (published),
    `audits` (audit rows, as they would be written), `commits`. A rollback forgets what was
    recorded since the last commit (the fakes' objects keep their changes: assert on what
    was committed). Batches and held commits behave as in the real unit of work.
    """

    def __init__(
        self,
        repositories: Mapping[Callable[..., Any], Any] | None = None,
        *,
        source: str = "lexseal/test",
    ) -> None:
        super().__init__(cast("async_sessionmaker[AsyncSession]", None), source=source)
        self._fakes: dict[Callable[..., Any], Any] = dict(repositories or {})
        self._open = False
        self._pending: list[CloudEvent] = []
        self._applied: set[str] = set()
        self.events: list[CloudEvent] = []
        self.audits: list[dict[str, Any]] = []
        self.commits = 0
        self.rollbacks = 0

    @property
    def actions(self) -> list[str]:
        """Return the committed audit actions, in order."""
        return [a["action"] for a in self.audits]

    @property
    def session(self) -> AsyncSession:
        raise RuntimeError("a FakeUnitOfWork has no session: reach data through uow.repo(...)")

    def _require_open(self) -> AsyncSession:
        if not self._open:
            raise RuntimeError("unit of work is not open")
        return cast(AsyncSession, None)

    async def __aenter__(self) -> FakeUnitOfWork:
        self._open = True
        self._held = False
        self.commit_wanted = False
        self.applying = None
        self._discard()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._forget_recorded()
        self._discard()
        self._open = False

    def repo(self, cls: Callable[..., T]) -> T:
        if cls not in self._fakes:
            raise KeyError(f"FakeUnitOfWork was given no fake for {getattr(cls, '__name__', cls)}")
        fake: T = self._fakes[cls]
        return fake

    def _recorders(self) -> list[Recorder]:
        found: list[Recorder] = []
        for fake in self._fakes.values():
            if isinstance(fake, FakeRepository):
                found.extend(i for i in fake.items.values() if isinstance(i, Recorder))
        return found

    def publish(self, event: CloudEvent) -> CloudEvent:
        event = super().publish(event)
        self._pending.append(event)
        return event

    async def claim_many(self, events: list[CloudEvent]) -> set[str]:
        fresh = {e.id for e in events} - self._applied
        self._applied |= fresh
        return fresh

    async def already_applied(self, event_id: str) -> bool:
        return event_id in self._applied

    def mark_applied(self, event: CloudEvent) -> None:
        self._applied.add(event.id)

    async def _write_pending(self) -> None:
        self._collect()

    async def commit(self) -> None:
        await self._write_pending()
        if self._held:
            self.commit_wanted = True
        if self._batch or self._held:
            return
        self.events.extend(self._pending)
        self.audits.extend(self._audit)
        self.commits += 1
        self._discard()

    async def rollback(self) -> None:
        if self._batch:
            raise BatchAbort("a handler rolled back inside a batch")
        self._forget_recorded()
        self.rollbacks += 1
        self._discard()

    def _discard(self) -> None:
        super()._discard()
        self._pending = []


def s3_bucket_settings(endpoint: str) -> dict[str, object]:
    """Create a fresh bucket on the S3 server at ``endpoint``; return the settings that use it.

    The mapping is what a service's settings take (``blob_store="s3"`` and the ``s3_*``
    fields), so a test runs a service on S3 with ``Settings(**..., **s3_bucket_settings(url))``.
    """
    import uuid

    import boto3
    from pydantic import SecretStr

    bucket = f"lexseal-{uuid.uuid4().hex[:12]}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",  # noqa: S106 - the local test server's
    ).create_bucket(Bucket=bucket)
    return {
        "blob_store": "s3",
        "s3_bucket": bucket,
        "s3_endpoint_url": endpoint,
        "s3_region": "us-east-1",
        "s3_access_key_id": "test",
        # a SecretStr, as the settings hold it (model_copy(update=...) does not convert)
        "s3_secret_access_key": SecretStr("test"),
        "s3_addressing_style": "path",
    }


def raw_pdf(objects: list[bytes], *, header: bytes = b"%PDF-1.7\n") -> bytes:
    """Return a PDF of the object bodies numbered 1..n (1 the catalog) with a correct xref table.

    For the malformed or hostile files a PDF writer would not produce.
    """
    out = bytearray(header)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    trailer = b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
    out += trailer % (len(objects) + 1, xref)
    return bytes(out)
