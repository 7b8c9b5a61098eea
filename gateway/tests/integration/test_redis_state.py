"""Two gateway replicas see one lockout, one rate bucket and one set of revocations.

Each "replica" is its own Redis client; keys live under a prefix of this test's own.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from gateway.adapters.redis_state import (
    RedisAttemptStore,
    RedisRevocations,
    RedisTokenBucket,
    RedisTokenVersions,
    RedisUnavailable,
    connect,
)
from redis.asyncio import Redis
from servicekit.testing import redis_url_or_skip

pytestmark = pytest.mark.integration


@pytest.fixture
async def replicas() -> AsyncIterator[tuple[Redis, Redis, str]]:
    url = redis_url_or_skip()
    prefix = f"lexseal:test:{uuid.uuid4().hex[:10]}:"
    a, b = connect(url), connect(url)
    yield a, b, prefix
    keys = [k async for k in a.scan_iter(match=prefix + "*")]
    if keys:
        await a.delete(*keys)
    await a.aclose()
    await b.aclose()


async def test_failures_at_one_replica_lock_the_account_at_the_other(
    replicas: tuple[Redis, Redis, str],
) -> None:
    a, b, prefix = replicas
    one = RedisAttemptStore(a, limit=3, window=60, prefix=prefix)
    two = RedisAttemptStore(b, limit=3, window=60, prefix=prefix)
    await one.fail("login:lawyer1")
    await two.fail("login:lawyer1")
    assert await one.retry_after("login:lawyer1") == 0
    await one.fail("login:lawyer1")  # the third, wherever it lands
    wait = await two.retry_after("login:lawyer1")
    assert 1 <= wait <= 61
    assert await two.retry_after("login:lawyer2") == 0  # other accounts unaffected
    await two.reset("login:lawyer1")
    assert await one.retry_after("login:lawyer1") == 0


async def test_the_window_slides(replicas: tuple[Redis, Redis, str]) -> None:
    a, _, prefix = replicas
    store = RedisAttemptStore(a, limit=2, window=0.5, prefix=prefix)
    await store.fail("k")
    await store.fail("k")
    assert await store.retry_after("k") >= 1
    await asyncio.sleep(0.7)
    assert await store.retry_after("k") == 0


async def test_one_rate_bucket_across_replicas(replicas: tuple[Redis, Redis, str]) -> None:
    a, b, prefix = replicas
    one = RedisTokenBucket(a, rate=0.01, burst=4, prefix=prefix)
    two = RedisTokenBucket(b, rate=0.01, burst=4, prefix=prefix)
    taken = [await (one if i % 2 else two).take("203.0.113.7") for i in range(6)]
    assert [ok for ok, _ in taken] == [True] * 4 + [False] * 2
    assert taken[-1][1] >= 1  # Retry-After
    assert (await one.take("198.51.100.1"))[0]  # another client has its own bucket


async def test_concurrent_takes_never_exceed_the_burst(replicas: tuple[Redis, Redis, str]) -> None:
    a, b, prefix = replicas
    buckets = [RedisTokenBucket(r, rate=0.01, burst=10, prefix=prefix) for r in (a, b)]
    results = await asyncio.gather(*(buckets[i % 2].take("c") for i in range(40)))
    assert sum(ok for ok, _ in results) == 10


async def test_a_token_version_change_applies_at_every_replica(
    replicas: tuple[Redis, Redis, str],
) -> None:
    a, b, prefix = replicas
    database = {"u1": 1}
    loads: list[str] = []

    async def load(user_id: str) -> int | None:
        loads.append(user_id)
        return database.get(user_id)

    one = RedisTokenVersions(a, load=load, prefix=prefix)
    two = RedisTokenVersions(b, load=load, prefix=prefix)
    assert await one.current("u1") == 1
    assert await two.current("u1") == 1
    assert loads == ["u1"]  # the second replica read the shared value
    database["u1"] = 2  # logout at replica one
    await one.changed("u1", 2)
    assert await two.current("u1") == 2
    await two.changed("u1", None)  # deactivated
    assert await one.current("u1") is None


async def test_a_revoked_api_key_is_revoked_everywhere(replicas: tuple[Redis, Redis, str]) -> None:
    a, b, prefix = replicas
    await RedisRevocations(a, prefix=prefix, ttl=300).revoke("key-1")
    other = RedisRevocations(b, prefix=prefix, ttl=300)
    assert await other.revoked("key-1") and not await other.revoked("key-2")


async def test_without_redis_lockouts_fail_closed_and_rate_limits_lapse() -> None:
    gone = connect("redis://127.0.0.1:1/0")  # nothing listens on port 1
    with pytest.raises(RedisUnavailable):
        await RedisAttemptStore(gone, limit=3, window=60, prefix="x:").retry_after("k")
    assert await RedisTokenBucket(gone, rate=1, burst=1, prefix="x:").take("k") == (True, 0)

    async def load(user_id: str) -> int | None:
        return 7

    assert await RedisTokenVersions(gone, load=load, prefix="x:").current("u") == 7
    await gone.aclose()
