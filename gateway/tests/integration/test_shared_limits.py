"""Two gateway replicas behind a balancer share one rate bucket per client (Redis), and the
client is whoever the trusted balancer says, never what a client writes itself."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest
from gateway.adapters.keys import load_or_generate, public_pem
from gateway.bootstrap import create_app
from gateway.config import Settings
from redis.asyncio import Redis
from servicekit.testing import redis_url_or_skip

from .servers import fake_service, serve

pytestmark = pytest.mark.integration
SERVICES = ("contract", "review", "signing", "letters", "notify")


@pytest.fixture
async def replicas(tmp_path: Path, pg_url: str) -> AsyncIterator[list[str]]:
    redis_url = redis_url_or_skip()
    prefix = f"lexseal:test:{uuid.uuid4().hex[:10]}:"
    pem = public_pem(load_or_generate(tmp_path / "keys" / "jwt-ed25519.pem", generate=True))
    async with AsyncExitStack() as stack:
        up = await stack.enter_async_context(serve(fake_service(public_key_pem=pem)))
        urls = []
        for i in range(2):
            settings = Settings(
                environment="test",
                data_dir=tmp_path,
                database_url=pg_url,
                log_json=False,
                redis_url=redis_url,
                redis_prefix=prefix,
                rate_limit_per_second=0.01,
                rate_limit_burst=3,
                trusted_proxies=("10.9.9.9",) if i == 0 else ("127.0.0.1",),
                **{f"{s}_url": up for s in SERVICES},  # type: ignore[arg-type]
            )
            urls.append(await stack.enter_async_context(serve(create_app(settings))))
        yield urls
    redis = Redis.from_url(redis_url)
    keys = [k async for k in redis.scan_iter(match=prefix + "*")]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()


async def test_one_bucket_across_replicas(replicas: list[str]) -> None:
    # replica 0 trusts no proxy it will see: a client's forged X-Forwarded-For is ignored
    answers = []
    for i in range(5):
        async with httpx.AsyncClient(base_url=replicas[i % 2]) as client:
            forged = {"X-Forwarded-For": f"198.51.100.{i}"} if i % 2 == 0 else {}
            answers.append((await client.get("/api/contract/echo", headers=forged)).status_code)
    # three from 127.0.0.1 pass wherever they land, then both replicas refuse
    assert answers == [200, 200, 200, 429, 429]


async def test_behind_a_trusted_balancer_each_client_has_its_own_bucket(
    replicas: list[str],
) -> None:
    # replica 1 trusts 127.0.0.1 (the balancer here): X-Forwarded-For names the client
    async with httpx.AsyncClient(base_url=replicas[1]) as client:
        for n in range(3):
            ok = await client.get("/api/contract/echo", headers={"X-Forwarded-For": "203.0.113.5"})
            assert ok.status_code == 200, n
        refused = await client.get("/api/contract/echo", headers={"X-Forwarded-For": "203.0.113.5"})
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        other = await client.get("/api/contract/echo", headers={"X-Forwarded-For": "203.0.113.6"})
        assert other.status_code == 200
