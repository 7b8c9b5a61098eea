"""Gateway state every replica shares, in Redis: login failures, rate buckets, revocations.

Each operation is one Lua script (atomic on the server, one round trip) and uses the Redis
server's clock, so replicas on machines whose clocks differ still agree on windows.
Keys start with ``prefix`` (default ``lexseal:gw:``), so tests and deployments sharing a
Redis keep apart.

If Redis cannot be reached: rate limits let the request through (logged; a limit that takes
the site down is worse than one that lapses), login lockouts and revocation checks fail
closed through the caller's error handling (``RedisUnavailable``), and token versions fall back to
the database.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError
from servicekit.domain import Unavailable

log = logging.getLogger("gateway.redis")

_FAIL = """
local t = redis.call('TIME'); local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
return redis.call('ZCARD', KEYS[1])
"""
# Seconds until fewer than `limit` failures remain in the window (0: not locked).
_RETRY_AFTER = """
local t = redis.call('TIME'); local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local window = tonumber(ARGV[1]); local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
if n < limit then return 0 end
local at = redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')
return math.max(1, math.floor(tonumber(at[2]) + window - now) + 1)
"""
_BUCKET = """
local t = redis.call('TIME'); local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local rate = tonumber(ARGV[1]); local burst = tonumber(ARGV[2])
local v = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(v[1]) or burst
local ts = tonumber(v[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local allowed = 0
local retry = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry = math.max(1, math.ceil((1 - tokens) / rate))
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {allowed, retry}
"""


class RedisUnavailable(Unavailable):
    """The shared store did not answer: the request is answered 503 rather than guessed."""

    code = "shared_state_unavailable"


def _down(exc: RedisError) -> RedisUnavailable:
    return RedisUnavailable(details={"store": "redis", "error": type(exc).__name__})


def connect(url: str) -> Redis:
    """Return a client for ``url`` (``redis://host:port/db``) with short timeouts."""
    return Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)


class _Scripts:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix
        self._fail = redis.register_script(_FAIL)
        self._retry = redis.register_script(_RETRY_AFTER)
        self._bucket = redis.register_script(_BUCKET)

    async def run(self, script: Any, key: str, *args: Any) -> Any:
        try:
            return await script(keys=[self.prefix + key], args=list(args))
        except RedisError as exc:
            raise _down(exc) from exc


class RedisAttemptStore:
    """Failed attempts per key in a sliding window, shared by every gateway replica."""

    def __init__(self, redis: Redis, *, limit: int, window: float, prefix: str) -> None:
        self._s = _Scripts(redis, prefix + "fail:")
        self.limit = limit
        self.window = window

    async def retry_after(self, key: str) -> int:
        """Return the seconds ``key`` stays locked, 0 when it may try now."""
        return int(await self._s.run(self._s._retry, key, self.window, self.limit))

    async def fail(self, key: str) -> None:
        """Record one failed attempt for ``key``."""
        await self._s.run(self._s._fail, key, self.window, uuid.uuid4().hex)

    async def reset(self, key: str) -> None:
        """Forget ``key``'s failures (after a success)."""
        try:
            await self._s.redis.delete(self._s.prefix + key)
        except RedisError as exc:
            raise _down(exc) from exc


class RedisTokenBucket:
    """``rate`` requests per second per key with bursts up to ``burst``, across replicas."""

    def __init__(self, redis: Redis, *, rate: float, burst: int, prefix: str) -> None:
        self._s = _Scripts(redis, prefix + "rate:")
        self.rate = rate
        self.burst = burst
        self._warned = 0.0

    async def take(self, key: str) -> tuple[bool, int]:
        """Take one token for ``key``: (allowed, seconds to wait when not)."""
        if self.rate <= 0:
            return True, 0
        try:
            allowed, retry = await self._s.run(self._s._bucket, key, self.rate, self.burst)
        except RedisUnavailable:
            if time.monotonic() - self._warned > 10:
                self._warned = time.monotonic()
                log.warning("rate limits lapse: redis unreachable")
            return True, 0
        return bool(allowed), int(retry)


VersionLoader = Callable[[str], Awaitable[int | None]]
_NONE = b"-"  # a user with no valid token (gone or deactivated)


class RedisTokenVersions:
    """Each user's token version, shared: a change one replica records applies everywhere.

    A miss loads from the database and caches it for ``ttl`` seconds; ``changed`` writes the
    new version for every replica at once. Without Redis, every check reads the database.
    """

    def __init__(
        self, redis: Redis, *, load: VersionLoader, prefix: str, ttl: float = 300.0
    ) -> None:
        self.redis = redis
        self._load = load
        self.prefix = prefix + "tv:"
        self.ttl_ms = int(ttl * 1000)

    async def current(self, user_id: str) -> int | None:
        """Return the user's token version (None: no token of theirs is valid)."""
        try:
            raw = await self.redis.get(self.prefix + user_id)
        except RedisError:
            return await self._load(user_id)
        if raw is not None:
            return None if raw == _NONE else int(raw)
        version = await self._load(user_id)
        # NX: a change recorded meanwhile by another replica wins over this (older) read
        await self._store(user_id, version, only_new=True)
        return version

    async def changed(self, user_id: str, version: int | None) -> None:
        """Record the user's new version for every replica."""
        await self._store(user_id, version, only_new=False)

    async def _store(self, user_id: str, version: int | None, *, only_new: bool) -> None:
        value = _NONE if version is None else str(version).encode()
        try:
            await self.redis.set(self.prefix + user_id, value, px=self.ttl_ms, nx=only_new)
        except RedisError as exc:
            if not only_new:
                raise _down(exc) from exc


class RedisRevocations:
    """Revoked credential ids (API keys) every replica sees before its local caches expire."""

    def __init__(self, redis: Redis, *, prefix: str, ttl: float) -> None:
        self.redis = redis
        self.prefix = prefix + "revoked:"
        # longer than any cached credential lives; the database stays the record
        self.ttl_ms = int(ttl * 1000)

    async def revoke(self, credential_id: str) -> None:
        """Mark ``credential_id`` revoked for every replica."""
        try:
            await self.redis.set(self.prefix + credential_id, b"1", px=self.ttl_ms)
        except RedisError as exc:
            raise _down(exc) from exc

    async def revoked(self, credential_id: str) -> bool:
        """Tell whether ``credential_id`` was revoked (fails closed without Redis)."""
        try:
            return bool(await self.redis.exists(self.prefix + credential_id))
        except RedisError as exc:
            raise _down(exc) from exc
