"""Test helpers: reach the real PostgreSQL / RabbitMQ through env vars, isolated per run."""

from __future__ import annotations

import os
import socket
import uuid
from types import TracebackType
from urllib.parse import urlparse

DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672/"
DEFAULT_PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


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
    ) -> str:
        """Return a bearer token for a user with `roles`."""
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
        return jwt.encode(claims, self._key, algorithm="EdDSA")

    def headers(self, **kw: object) -> dict[str, str]:
        """Return an Authorization header for `token(**kw)`."""
        return {"Authorization": f"Bearer {self.token(**kw)}"}  # type: ignore[arg-type]
